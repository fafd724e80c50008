import { isForwardedRpcMethod } from "../../../src/rpcMethods";
import { upstreamRpcUrl } from "../../../src/server/deployment";

export const dynamic = "force-dynamic";

interface RpcRequest {
  jsonrpc?: string;
  id?: unknown;
  method?: unknown;
}

const rpcError = (request: RpcRequest, code: number, message: string) => ({
  jsonrpc: "2.0",
  id: request.id ?? null,
  error: { code, message },
});

/**
 * POST /api/rpc: same-origin JSON-RPC for the pages (reads, logs, receipts, the fhEVM mock relayer)
 * forwarded to FLUFHE_RPC_URL. Only public-chain and relayer methods pass: nothing that would use the
 * node's unlocked accounts or its test controls.
 */
export async function POST(request: Request): Promise<Response> {
  let body: RpcRequest | RpcRequest[];
  try {
    body = (await request.json()) as RpcRequest | RpcRequest[];
  } catch {
    return Response.json(rpcError({}, -32700, "parse error"), { status: 400 });
  }
  const calls = Array.isArray(body) ? body : [body];
  if (calls.some((c) => !isForwardedRpcMethod(c.method))) {
    // A batch with a refused method is not forwarded at all: no partial execution to reason about.
    const answers = calls.map((c) =>
      isForwardedRpcMethod(c.method)
        ? rpcError(c, -32600, "not executed: the batch contains a method this app does not forward")
        : rpcError(c, -32601, `method ${String(c.method)} is not forwarded by this app`),
    );
    return Response.json(Array.isArray(body) ? answers : answers[0]);
  }
  try {
    const upstream = await fetch(await upstreamRpcUrl(), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      cache: "no-store",
    });
    return new Response(upstream.body, {
      status: upstream.status,
      headers: { "content-type": upstream.headers.get("content-type") ?? "application/json" },
    });
  } catch (error) {
    return Response.json(rpcError({}, -32603, `node unreachable: ${(error as Error).message}`), { status: 502 });
  }
}
