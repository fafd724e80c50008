import { Agent } from "node:http";
import { FetchRequest, JsonRpcProvider, Network, type JsonRpcPayload, type JsonRpcResult } from "ethers";
import { isConnectionError } from "./retry";
import { sleep } from "../util/sleep";

/** One raw JSON-RPC call: fails fast (no provider start-up loop) when the endpoint is down. */
export async function rpcCall<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  if (!response.ok) throw new Error(`SERVER_ERROR: ${url} answered HTTP ${response.status}`);
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method} failed: ${body.error.message}`);
  return body.result as T;
}

/** Chain id of a local Hardhat node (the fhEVM mock devnet). */
const DEVNET_CHAIN_ID = 31337;

/**
 * How the provider of a local devnet talks to the node. The Hardhat node runs every request on a
 * worker thread of its Rust backend, and each thread that ever executed a transaction keeps its own
 * allocator pool: bursts of concurrent requests (the fhEVM mock's user decryption checks two ACL
 * reads per handle at once, 16 handles a batch) grow the node's memory for good (issue 10). So one
 * provider keeps at most MAX_IN_FLIGHT requests at the node and does not batch them (a JSON-RPC
 * batch is executed concurrently by the node). The node executes one request at a time anyway, so
 * this costs no throughput.
 */
export const DEVNET_RPC = {
  maxInFlight: 4,
  /**
   * How often tx.wait() and block subscriptions poll (ethers' default is 4 s). The devnet mines a
   * block every 100 ms (scripts/lib/devnet.ts): a 4 s poll would dominate every short round.
   */
  pollingIntervalMs: 100,
  /** A read whose connection failed is sent again this many times in all, with a growing pause. */
  attempts: 5,
  /**
   * Idle keep-alive sockets are closed after this long, well before the node's HTTP server closes
   * them (Node's default keepAliveTimeout, 5 s): a request then never goes out on a socket the
   * server is closing at the same moment (ECONNRESET).
   */
  idleSocketMs: 2000,
} as const;

/**
 * Requests that must never be repeated: they may have taken effect before the error. The input
 * proof stores the encrypted inputs' clear values in the mock; its caller re-encrypts instead.
 */
const NOT_REPEATABLE = new Set(["eth_sendTransaction", "eth_sendRawTransaction"]);
const NOT_REPEATABLE_AFTER_CONNECTION_ERROR = new Set([...NOT_REPEATABLE, "fhevm_relayer_v1_input_proof"]);
const repeatableAfterConnectionError = (method: string) =>
  !NOT_REPEATABLE_AFTER_CONNECTION_ERROR.has(method) && !/^(evm_|hardhat_)/.test(method);

/** At most `limit` tasks at once; the rest wait in arrival order. */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`a concurrency limit must be a positive integer`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next)
        next(); // the slot passes on directly
      else this.active--;
    }
  }
}

/**
 * The provider for a local fhEVM devnet: bounded concurrency, no batching, fast polling (see
 * DEVNET_RPC), and two kinds of failures repeated for reads:
 * - the fhEVM Hardhat plugin's node sometimes processes a block's coprocessor events for two
 *   concurrent requests and answers the second "Parse event ... in backward order", although
 *   nothing went wrong for it;
 * - a connection the node dropped under load (ECONNRESET, socket hang up).
 * Transaction sends are never repeated (callers handle those idempotently, see withRetry).
 */
export class FhevmNodeProvider extends JsonRpcProvider {
  private readonly limit = new ConcurrencyLimit(DEVNET_RPC.maxInFlight);

  constructor(url: string, chainId = DEVNET_CHAIN_ID) {
    const request = new FetchRequest(url);
    request.getUrlFunc = FetchRequest.createGetUrlFunc({
      agent: new Agent({ keepAlive: true, timeout: DEVNET_RPC.idleSocketMs }),
    });
    super(request, undefined, {
      cacheTimeout: -1,
      staticNetwork: Network.from(chainId),
      batchMaxCount: 1,
      pollingInterval: DEVNET_RPC.pollingIntervalMs,
    });
  }

  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    const methods = (Array.isArray(payload) ? payload : [payload]).map((p) => p.method);
    for (let attempt = 1; ; attempt++) {
      let results: JsonRpcResult[];
      try {
        results = await this.limit.run(() => super._send(payload));
      } catch (error) {
        if (!isConnectionError(error) || attempt >= DEVNET_RPC.attempts) throw error;
        if (!methods.every(repeatableAfterConnectionError)) throw error;
        await sleep(100 * 2 ** (attempt - 1));
        continue;
      }
      const raced = results.some((r) => "error" in r && /in backward order/.test(JSON.stringify(r.error)));
      if (!raced || attempt >= DEVNET_RPC.attempts || methods.some((m) => NOT_REPEATABLE.has(m))) return results;
      await sleep(50 * attempt);
    }
  }
}

/**
 * A provider for a chain whose id is already known: no network detection (which retries forever
 * on a dead endpoint) and no read cache (ethers' 250 ms cache breaks back-to-back transactions on
 * an automining node). A local devnet (chain 31337) gets FhevmNodeProvider.
 */
export async function connectProvider(url: string): Promise<{ provider: JsonRpcProvider; chainId: number }> {
  const chainId = Number(await rpcCall<string>(url, "eth_chainId"));
  const provider =
    chainId === DEVNET_CHAIN_ID
      ? new FhevmNodeProvider(url, chainId)
      : new JsonRpcProvider(url, undefined, { cacheTimeout: -1, staticNetwork: Network.from(chainId) });
  return { provider, chainId };
}
