import { JsonRpcProvider, Network, type JsonRpcPayload, type JsonRpcResult } from "ethers";

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

/** Requests that must never be repeated: they may have taken effect before the error. */
const NOT_REPEATABLE = new Set(["eth_sendTransaction", "eth_sendRawTransaction"]);

/**
 * The fhEVM Hardhat plugin's node sometimes processes a block's coprocessor events for two
 * concurrent requests and answers the second "Parse event ... in backward order", although nothing
 * went wrong for it. Reads (eth_call, the mock relayer's fhevm_* methods) are repeated; transaction
 * sends are not (callers handle those idempotently, see withRetry).
 */
class FhevmNodeProvider extends JsonRpcProvider {
  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    const methods = (Array.isArray(payload) ? payload : [payload]).map((p) => p.method);
    for (let attempt = 1; ; attempt++) {
      const results = await super._send(payload);
      const raced = results.some((r) => "error" in r && /in backward order/.test(JSON.stringify(r.error)));
      if (!raced || attempt >= 5 || methods.some((m) => NOT_REPEATABLE.has(m))) return results;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

/**
 * A provider for a chain whose id is already known: no network detection (which retries forever
 * on a dead endpoint) and no read cache (ethers' 250 ms cache breaks back-to-back transactions on
 * an automining node).
 */
export async function connectProvider(url: string): Promise<{ provider: JsonRpcProvider; chainId: number }> {
  const chainId = Number(await rpcCall<string>(url, "eth_chainId"));
  const options = { cacheTimeout: -1, staticNetwork: Network.from(chainId) };
  const provider =
    chainId === 31337 ? new FhevmNodeProvider(url, undefined, options) : new JsonRpcProvider(url, undefined, options);
  return { provider, chainId };
}
