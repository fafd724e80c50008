import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { packageDir } from "./packages";

/** The relayer SDK's prebuilt browser bundle: an ES module and the wasm it loads. */
const FILES: Record<string, string> = {
  "relayer-sdk-js.js": "text/javascript; charset=utf-8",
  "kms_lib_bg.wasm": "application/wasm",
  "tfhe_bg.wasm": "application/wasm",
  // The threaded WASM's worker script (the participant's encryption worker starts its threads from it).
  "workerHelpers.js": "text/javascript; charset=utf-8",
};

/** node_modules/@zama-fhe/relayer-sdk. */
const sdkDir = () => packageDir("@zama-fhe/relayer-sdk");

export function installedSdkVersion(): string {
  const pkg = JSON.parse(readFileSync(/*turbopackIgnore: true*/ path.join(sdkDir(), "package.json"), "utf8"));
  return (pkg as { version: string }).version;
}

/** One bundle file of the installed SDK version, or null (unknown file or another version). */
export async function sdkBundleFile(version: string, file: string): Promise<{ body: Buffer; type: string } | null> {
  const type = FILES[file];
  if (!type || version !== installedSdkVersion()) return null;
  return { body: await readFile(/*turbopackIgnore: true*/ path.join(sdkDir(), "bundle", file)), type };
}
