/**
 * The participant's training worker (new Worker(new URL("./trainWorker.ts", import.meta.url))): keeps
 * TensorFlow.js off the page's thread so the page stays responsive. WASM binaries come from this app's
 * /tfjs-wasm/ route, never a CDN.
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import * as models from "../../../client/src/ml/models";
import * as train from "../../../client/src/ml/train";
import { registerWasmKernels } from "../../../client/src/ml/wasmKernels";
import {
  handleTrainRequest,
  type BackendName,
  type TrainEnv,
  type TrainMessage,
  type TrainRequest,
} from "./trainProtocol";

interface WorkerScope {
  onmessage: ((event: MessageEvent<TrainRequest>) => void) | null;
  postMessage(message: TrainMessage, transfer: Transferable[]): void;
  location: { origin: string };
}
const scope = self as unknown as WorkerScope;

/** The WebGL renderer when it is a software one (SwiftShader, llvmpipe): slower than WASM for these models. */
function softwareWebgl(): string | undefined {
  try {
    const gl = new OffscreenCanvas(1, 1).getContext("webgl");
    if (!gl) return undefined;
    const info = gl.getExtension("WEBGL_debug_renderer_info");
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    return /swiftshader|llvmpipe|software/i.test(renderer) ? renderer : undefined;
  } catch {
    return undefined;
  }
}

async function activate(backend: BackendName, chosen: boolean): Promise<boolean> {
  const software = backend === "webgl" && !chosen ? softwareWebgl() : undefined;
  if (software) throw new Error(`software renderer (${software}), slower than WASM`);
  if (backend === "wasm") {
    setWasmPaths(`${scope.location.origin}/tfjs-wasm/`);
    // In the cross-origin isolated participate page tfjs would pick its threaded build, whose threads are
    // started from its factory's source text: bundled and minified, that text no longer runs ("r is not
    // defined"). The single-threaded SIMD build is the one the nodes' numbers are checked against anyway.
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    registerWasmKernels();
  }
  if (!(await tf.setBackend(backend))) return false;
  await tf.ready();
  return true;
}

const env: TrainEnv = { models, train, activate, now: () => performance.now() };

scope.onmessage = (event) => {
  void handleTrainRequest(event.data, (m, transfer) => scope.postMessage(m, transfer ?? []), env);
};
