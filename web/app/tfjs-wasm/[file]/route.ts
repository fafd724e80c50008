import { tfjsWasmFile } from "../../../src/server/tfjsWasm";

export const dynamic = "force-dynamic";

/**
 * GET /tfjs-wasm/:file: TensorFlow.js' wasm backend binaries from node_modules (no CDN, works
 * offline), for the participant's training worker.
 */
export async function GET(_request: Request, context: { params: Promise<{ file: string }> }) {
  const { file } = await context.params;
  const body = await tfjsWasmFile(file);
  if (!body) return new Response("not found", { status: 404 });
  return new Response(new Uint8Array(body), {
    headers: { "content-type": "application/wasm", "cache-control": "public, max-age=86400" },
  });
}
