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
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
