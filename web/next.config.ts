import { readFileSync } from "node:fs";
import path from "node:path";
import type { NextConfig } from "next";

const root = path.resolve(__dirname, "..");

/** Installed relayer SDK version: its browser bundle is served from /relayer-sdk/<version>/ (see that route). */
const sdkVersion = (
  JSON.parse(readFileSync(path.join(root, "node_modules", "@zama-fhe", "relayer-sdk", "package.json"), "utf8")) as {
    version: string;
  }
).version;

const sdkShim = "./src/relayer/sdk.ts";
/** client/src/ml's file readers import these; pages only use its byte parsers (see the shim). */
const nodeFilesShim = { browser: "./src/shims/nodeFiles.ts" };

/**
 * Cross-origin isolation (SharedArrayBuffer, so the relayer SDK's WASM can run on threads) for the
 * participant page only. Every resource it loads is same-origin (Next chunks, /relayer-sdk/, /tfjs-wasm/,
 * /api/rpc; the relayer is fetched with CORS), so require-corp blocks nothing there. Injected wallets
 * (window.ethereum) are the extension's own script, untouched by COEP; COOP would cut a wallet popup
 * opened by the page from it, and this app opens none.
 */
const COEP = { key: "Cross-Origin-Embedder-Policy", value: "require-corp" };
const COOP = { key: "Cross-Origin-Opener-Policy", value: "same-origin" };

const nextConfig: NextConfig = {
  // The app imports the protocol modules from ../client and the typechain bindings from ../types.
  turbopack: {
    root,
    resolveAlias: {
      // Bundling the SDK's web build stalls Turbopack: the shim loads its prebuilt bundle at run time
      // instead. Also reached through @fhevm/mock-utils (the mock fhEVM instance on the local devnet).
      "@zama-fhe/relayer-sdk/node": sdkShim,
      "@zama-fhe/relayer-sdk/web": sdkShim,
      "node:fs": nodeFilesShim,
      "node:zlib": nodeFilesShim,
    },
  },
  env: { NEXT_PUBLIC_RELAYER_SDK_URL: `/relayer-sdk/${sdkVersion}/relayer-sdk-js.js` },
  outputFileTracingRoot: root,
  // Loaded by the model API route at run time, never bundled for the server. Pages load tfjs (cpu backend)
  // on demand from their own bundle (src/model/tfjs.ts).
  serverExternalPackages: ["@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm"],
  headers: async () => [
    { source: "/tasks/:id/participate", headers: [COOP, COEP] },
    // Chrome starts a worker of an isolated page only if the worker's script says COEP itself (the training
    // and encryption workers are Next chunks; /workerHelpers.js starts the SDK's threads). On any other
    // script, or in a page without COEP, the header changes nothing.
    { source: "/_next/static/:path*", headers: [COEP] },
    { source: "/workerHelpers.js", headers: [COEP] },
  ],
  // The SDK's bundle starts its threads from new URL("/workerHelpers.js", import.meta.url): the site root.
  rewrites: async () => [{ source: "/workerHelpers.js", destination: `/relayer-sdk/${sdkVersion}/workerHelpers.js` }],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
