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
 * Starts `hardhat node` on 127.0.0.1 (a free port unless one is given) and waits until its fhEVM
 * mock answers. The node is killed by PID on stop(), and on this process's exit or Ctrl-C.
 */
export async function startDevnet(
  options: { port?: number; timeoutMs?: number; miningIntervalMs?: number } = {},
): Promise<Devnet> {
  const port = options.port ?? (await freePort());
  // Interval mining packs many transactions per block: the node keeps per-block state in memory, so
  // long runs with hundreds of FHE transactions use about half the memory of automining.
  const mining = options.miningIntervalMs ? { FLUFHE_MINING_INTERVAL_MS: String(options.miningIntervalMs) } : {};
  const child = spawn(process.execPath, [HARDHAT_CLI, "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: ROOT,
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true", ...mining },
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
