import { JsonRpcProvider, Network } from "ethers";

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

/**
 * A provider for a chain whose id is already known: no network detection (which retries forever
 * on a dead endpoint) and no read cache (ethers' 250 ms cache breaks back-to-back transactions on
 * an automining node).
 */
export async function connectProvider(url: string): Promise<{ provider: JsonRpcProvider; chainId: number }> {
  const chainId = Number(await rpcCall<string>(url, "eth_chainId"));
  const provider = new JsonRpcProvider(url, undefined, { cacheTimeout: -1, staticNetwork: Network.from(chainId) });
  return { provider, chainId };
}
