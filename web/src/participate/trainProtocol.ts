/**
 * What the page and its training worker say to each other, and the worker's side of it as a plain
 * function (tested directly, without a Worker). The worker trains with the nodes' own code
 * (client/src/ml: buildModel, setFlatWeights, trainLocal with the node's seed and settings) on the
 * fastest backend it can start: WebGL, else WASM, else cpu. Training is synchronous tfjs work, so a
 * cancel is the page terminating the worker (nothing in it could read a "stop" message meanwhile).
 */
import type { Dataset } from "../../../client/src/ml/dataset";
import type { TrainOptions } from "../../../client/src/ml/train";
import type { ModelSpec } from "../../../client/src/protocol/modelSpec";

export type BackendName = "webgl" | "wasm" | "cpu";

/** Backends in the order the worker tries them. */
export const BACKEND_ORDER: BackendName[] = ["webgl", "wasm", "cpu"];

/** Page -> worker: train `spec` from `weights` (the round's global model) on `data`. */
export interface TrainRequest {
  type: "train";
  spec: ModelSpec;
  weights: Float32Array;
  data: Dataset;
  options: Omit<TrainOptions, "onEpoch" | "globalWeights">;
  /** Backends to try, in order (default BACKEND_ORDER). */
  backends?: BackendName[];
}

/** Worker -> page. */
export type TrainMessage =
  | { type: "backend"; backend: BackendName; skipped: string[] }
  | { type: "progress"; epoch: number; epochs: number; loss: number; ms: number }
  | { type: "done"; weights: Float32Array; epochLosses: number[]; backend: BackendName; msPerEpoch: number }
  | { type: "error"; message: string };

/** What the handler needs from TensorFlow.js: the nodes' model and training code, and a backend switch. */
export interface TrainEnv {
  models: Pick<typeof import("../../../client/src/ml/models"), "buildModel" | "setFlatWeights" | "getFlatWeights">;
  train: Pick<typeof import("../../../client/src/ml/train"), "trainLocal">;
  /**
   * Makes `backend` the active one; false or a throw when it cannot start here. `chosen`: the user asked
   * for it (else it is tried in the default order, and may be declined when another is known to be faster).
   */
  activate(backend: BackendName, chosen: boolean): Promise<boolean>;
  now(): number;
}

const message = (e: unknown) => (e instanceof Error ? e.message.split("\n")[0] : String(e));

/** The first backend of `order` that starts; the others are reported with why they did not. */
async function pickBackend(env: TrainEnv, order: BackendName[], chosen: boolean) {
  const skipped: string[] = [];
  for (const backend of order) {
    try {
      if (await env.activate(backend, chosen)) return { backend, skipped };
      skipped.push(`${backend}: did not start`);
    } catch (e) {
      skipped.push(`${backend}: ${message(e)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend started in this browser (${skipped.join("; ")})`);
}

/** The worker's side: one request in, backend/progress messages, then exactly one done or error. */
export async function handleTrainRequest(
  request: TrainRequest,
  post: (m: TrainMessage, transfer?: Transferable[]) => void,
  env: TrainEnv,
): Promise<void> {
  try {
    if (request.type !== "train") throw new Error(`unknown request ${String((request as { type?: unknown }).type)}`);
    const { backend, skipped } = await pickBackend(
      env,
      request.backends ?? BACKEND_ORDER,
      request.backends !== undefined,
    );
    post({ type: "backend", backend, skipped });
    const model = env.models.buildModel(request.spec);
    // DP-SGD runs its steps as one "epoch" (trainLocal reports it once): progress and timing count that.
    const epochs = request.options.privacy ? 1 : request.options.epochs;
    try {
      env.models.setFlatWeights(model, request.weights);
      const t0 = env.now();
      let last = t0;
      const result = env.train.trainLocal(model, request.data, {
        ...request.options,
        onEpoch: (epoch, loss) => {
          const now = env.now();
          post({ type: "progress", epoch: epoch + 1, epochs, loss, ms: now - last });
          last = now;
        },
      });
      const weights = env.models.getFlatWeights(model);
      const msPerEpoch = (env.now() - t0) / epochs;
      post({ type: "done", weights, epochLosses: result.epochLosses, backend, msPerEpoch }, [weights.buffer]);
    } finally {
      model.dispose();
    }
  } catch (e) {
    post({ type: "error", message: message(e) });
  }
}
