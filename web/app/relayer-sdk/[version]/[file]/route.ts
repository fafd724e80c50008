import { sdkBundleFile } from "../../../../src/server/relayerSdk";

export const dynamic = "force-dynamic";

/**
 * GET /relayer-sdk/:version/:file: the relayer SDK's own browser bundle and wasm, served from
 * node_modules (no CDN, works offline). Versioned URLs, so browsers may cache them for good.
 */
export async function GET(_request: Request, context: { params: Promise<{ version: string; file: string }> }) {
  const { version, file } = await context.params;
  const found = await sdkBundleFile(version, file);
  if (!found) return new Response("not found", { status: 404 });
  return new Response(new Uint8Array(found.body), {
    headers: { "content-type": found.type, "cache-control": "public, max-age=31536000, immutable" },
  });
}
