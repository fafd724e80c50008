import { readFile } from "node:fs/promises";
import path from "node:path";
import { packageDir } from "./packages";

/** The binaries tfjs-backend-wasm loads (setWasmPaths points the participant's worker here). */
const FILES = new Set([
  "tfjs-backend-wasm.wasm",
  "tfjs-backend-wasm-simd.wasm",
  "tfjs-backend-wasm-threaded-simd.wasm",
]);

/** One wasm binary of the installed @tensorflow/tfjs-backend-wasm, or null for any other name. */
export async function tfjsWasmFile(file: string): Promise<Buffer | null> {
  if (!FILES.has(file)) return null;
  return readFile(/*turbopackIgnore: true*/ path.join(packageDir("@tensorflow/tfjs-backend-wasm"), "dist", file));
}
