// Picks the fastest tfjs backend that works here: tfjs-node (native) if installed, else wasm
// (SIMD, shipped in the npm package), else pure-JS cpu. tfjs-node is only tried at run time:
// its install downloads libtensorflow, which fails offline, so it cannot be a hard dependency.

import { createRequire } from "node:module";
import { dirname, sep } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { registerWasmKernels } from "./wasmKernels";

export type BackendName = "node" | "wasm" | "cpu";
export type Logger = (message: string) => void;

const ORDER: BackendName[] = ["node", "wasm", "cpu"];

let wasmPathsSet = false;

const activate: Record<BackendName, () => Promise<boolean>> = {
  node: async () => {
    // Registers the "tensorflow" backend as a side effect; throws when the package is absent.
    createRequire(__filename)("@tensorflow/tfjs-node");
    return tf.setBackend("tensorflow");
  },
  wasm: async () => {
    if (!wasmPathsSet) {
      // Load the .wasm binaries from the installed package on disk, never from a CDN.
      setWasmPaths(dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + sep);
      wasmPathsSet = true;
    }
    registerWasmKernels();
    return tf.setBackend("wasm");
  },
  cpu: async () => tf.setBackend("cpu"),
};

/**
 * Activates `preferred` (then the others, fastest first) and returns the one that runs.
 * Every fallback and the final choice are reported through `log`.
 */
export async function initBackend(preferred?: BackendName, log: Logger = console.log): Promise<BackendName> {
  const order = preferred ? [preferred, ...ORDER.filter((b) => b !== preferred)] : ORDER;
  for (const name of order) {
    let ok = false;
    try {
      ok = await activate[name]();
      if (ok) await tf.ready();
    } catch (e) {
      log(`tfjs backend "${name}" unavailable: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
      continue;
    }
    if (ok) {
      log(`tfjs backend: ${name}`);
      return name;
    }
    log(`tfjs backend "${name}" failed to initialise`);
  }
  throw new Error("no tfjs backend could be initialised");
}
