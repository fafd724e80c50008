import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { rpcCall } from "../../client/src/chain/rpc";

/** A Hardhat node with the fhEVM plugin, started by this process and stopped by it. */
export interface Devnet {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

const ROOT = path.resolve(__dirname, "..", "..");
const HARDHAT_CLI = require.resolve("hardhat/internal/cli/bootstrap");

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function waitForFhevm(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited with code ${child.exitCode}:\n${output()}`);
    try {
      await rpcCall(url, "fhevm_relayer_metadata");
      return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`hardhat node did not serve ${url} within ${timeoutMs / 1000} s:\n${output()}`);
}

/**
 * How the devnet mines (the reasons are next to the settings in hardhat.config.ts): a block every
 * DEVNET_MINING.intervalMs with a 30M block gas limit keeps the node's memory bounded by the largest
 * block; an automined node grows with every FHE transaction (20.4 GB in the MNIST demo: docs/cost-and-benchmarks.md, Memory).
 * 100 ms keeps short rounds as fast as automine (a transaction waits 50 ms for its block on average,
 * clients poll every 100 ms: DEVNET_RPC in client/src/chain/rpc.ts); the empty blocks in between cost
 * nothing measurable (an idle node stays at ~320 MB and 0.5 % of a core). At 200 ms the breast-cancer
 * demo's rounds took 1.4x as long as automined ones.
 */
export const DEVNET_MINING = { intervalMs: 100 } as const;

/**
 * Requests the node takes at once, and one fhEVM decryption at a time (scripts/lib/node-requests.ts):
 * bursts of concurrent requests, from nine or more clients of a round, grow the node's memory.
 */
export const DEVNET_MAX_REQUESTS = 2;

/**
 * The node's Rust backend allocates with its bundled mimalloc, which keeps freed pages per thread and
 * returns them to the OS only after a delay; its worker threads come and go, and pages they abandon
 * stay resident. These settings (read by mimalloc at start-up) return freed and abandoned pages at
 * once. Measured on the 8-participant MNIST soak: the node's peak fell from 3.4 to 2.4 GB.
 */
export const DEVNET_ALLOCATOR_ENV = {
  MIMALLOC_PURGE_DELAY: "0",
  MIMALLOC_ABANDONED_PAGE_PURGE: "1",
  MIMALLOC_ABANDONED_RECLAIM_ON_FREE: "1",
} as const;

/**
 * How many block states the node's backend (EDR) keeps in memory. EDR caches the state of every block
 * (`__EDR_MAX_CACHED_STATES`, default 100,000: with a block every 100 ms, the whole of a ~3 h run), and
 * each cached state holds the trie nodes its block's FHE storage writes copied: a cache that grows with
 * the history. Bounding it removes that share; the soak could not tell it apart from the node's other
 * growth (docs/cost-and-benchmarks.md, Memory). 64 states are the last 6.4 s of blocks; "latest" is always among them.
 * An evicted state is rebuilt from the chain's stored diffs when a call names an old block, slower but
 * exact, and nothing in this project does (events are read with eth_getLogs, which needs no state).
 * EDR reads it when the node starts; test/unit/devnet/devnet-options.test.ts checks the installed EDR
 * still does.
 */
export const DEVNET_CACHED_STATES = 64;

/** The variable EDR reads for DEVNET_CACHED_STATES. */
export const EDR_CACHED_STATES_VAR = "__EDR_MAX_CACHED_STATES";

/** "auto": one block per transaction (for tests that need it; memory grows without bound on long runs). */
export type DevnetMining = "auto" | { intervalMs: number; blockGasLimit?: number };

export interface DevnetOptions {
  port?: number;
  timeoutMs?: number;
  /** Default: a block every DEVNET_MINING.intervalMs, 30M gas each. */
  mining?: DevnetMining;
  /** Default DEVNET_MAX_REQUESTS; 0 lets the node take every request at once (as before issue 10). */
  maxRequests?: number;
  /** Block states the node keeps in memory; default DEVNET_CACHED_STATES (EDR's own: 100,000). */
  cachedStates?: number;
}

/** The environment hardhat.config.ts reads for the node's mining. */
export function miningEnv(mining: DevnetMining = DEVNET_MINING): Record<string, string> {
  if (mining === "auto") return {};
  if (!Number.isInteger(mining.intervalMs) || mining.intervalMs < 1) {
    throw new Error(`the mining interval must be a positive number of ms, got ${mining.intervalMs}`);
  }
  return {
    FLUFHE_MINING_INTERVAL_MS: String(mining.intervalMs),
    ...(mining.blockGasLimit ? { FLUFHE_BLOCK_GAS_LIMIT: String(mining.blockGasLimit) } : {}),
  };
}

/** A readable name of a mining setting, for logs and reports. */
export function describeMining(mining: DevnetMining = DEVNET_MINING): string {
  if (mining === "auto") return "automine";
  return `a block every ${mining.intervalMs} ms, ${((mining.blockGasLimit ?? 30_000_000) / 1e6).toFixed(0)}M gas`;
}

/**
 * Starts `hardhat node` on 127.0.0.1 (a free port unless one is given) and waits until its fhEVM
 * mock answers. The node is killed by PID on stop(), and on this process's exit or Ctrl-C.
 */
export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const port = options.port ?? (await freePort());
  // The parent's settings never leak into the node: only the options decide.
  const {
    FLUFHE_MINING_INTERVAL_MS: _interval,
    FLUFHE_BLOCK_GAS_LIMIT: _gas,
    FLUFHE_NODE_MAX_REQUESTS: _requests,
    [EDR_CACHED_STATES_VAR]: _states,
    ...parentEnv
  } = process.env;
  const maxRequests = options.maxRequests ?? DEVNET_MAX_REQUESTS;
  const cachedStates = options.cachedStates ?? DEVNET_CACHED_STATES;
  if (!Number.isInteger(cachedStates) || cachedStates < 1) {
    throw new Error(`the node must keep at least 1 block state, got ${cachedStates}`);
  }
  const nodeEnv = {
    [EDR_CACHED_STATES_VAR]: String(cachedStates),
    ...miningEnv(options.mining),
    ...(maxRequests > 0 ? { FLUFHE_NODE_MAX_REQUESTS: String(maxRequests) } : {}),
  };
  const child = spawn(process.execPath, [HARDHAT_CLI, "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: ROOT,
    env: {
      ...DEVNET_ALLOCATOR_ENV,
      ...parentEnv,
      HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
      ...nodeEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);

  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  };
  const onSignal = () => {
    kill();
    process.exit(130);
  };
  process.once("exit", kill);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForFhevm(url, child, () => log, options.timeoutMs ?? 120_000);
  } catch (error) {
    kill();
    throw error;
  }
  return {
    url,
    port,
    pid: child.pid!,
    stop: async () => {
      process.removeListener("exit", kill);
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
