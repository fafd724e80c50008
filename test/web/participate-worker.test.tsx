import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import * as models from "../../client/src/ml/models";
import * as train from "../../client/src/ml/train";
import { initBackend } from "../../client/src/ml/backend";
import { loadDataset } from "../../client/src/ml/registry";
import type { DatasetSplit } from "../../client/src/ml/dataset";
import { localTrainingSeed } from "../../client/src/node/training";
import type { ModelSpec } from "../../client/src/protocol/modelSpec";
import { startTraining, TrainingCancelled, type WorkerLike } from "../../web/src/participate/trainer";
import {
  handleTrainRequest,
  type BackendName,
  type TrainEnv,
  type TrainMessage,
  type TrainRequest,
} from "../../web/src/participate/trainProtocol";

// The worker's handler, called directly (Node has no Worker): the same code the worker runs.
const SPEC: ModelSpec = { kind: "logreg", inputShape: [30], numClasses: 2, seed: 3 };
let data: DatasetSplit;
let started: BackendName[];
let chosenFlags: boolean[] = [];

const env = (fail: Partial<Record<BackendName, string>> = {}): TrainEnv => ({
  models,
  train,
  now: () => performance.now(),
  activate: async (backend, chosen) => {
    chosenFlags.push(chosen);
    if (fail[backend]) throw new Error(fail[backend]);
    started.push(backend);
    return tf.setBackend(backend === "webgl" ? "wasm" : backend); // Node: no WebGL; wasm stands in
  },
});

const request = (overrides: Partial<TrainRequest> = {}): TrainRequest => ({
  type: "train",
  spec: SPEC,
  weights: initial(),
  data: data.train,
  options: { epochs: 3, batchSize: 32, learningRate: 0.1, seed: localTrainingSeed(1, 1) },
  ...overrides,
});

function initial(): Float32Array {
  const m = models.buildModel(SPEC);
  const w = models.getFlatWeights(m);
  m.dispose();
  return w;
}

async function run(req: TrainRequest, e = env()): Promise<TrainMessage[]> {
  const messages: TrainMessage[] = [];
  await handleTrainRequest(req, (m) => messages.push(m), e);
  return messages;
}

beforeAll(async () => {
  await initBackend("wasm", () => {});
  data = loadDataset("breast-cancer", { seed: 1 });
});

describe("the training worker's handler", () => {
  it("runs DP-SGD when the request carries privacy settings: one pass of its steps, reported once", async () => {
    started = [];
    const privacy = { clipNorm: 1, noiseMultiplier: 1.1, samplingRate: 0.05, steps: 10 };
    const base = request();
    const messages = await run({ ...base, options: { ...base.options, privacy } });
    expect(messages.map((m) => m.type)).toEqual(["backend", "progress", "done"]);
    expect(messages[1]).toMatchObject({ type: "progress", epoch: 1, epochs: 1 });
    const done = messages.at(-1) as Extract<TrainMessage, { type: "done" }>;
    // Secure sampling and noise: not the plain training's weights, and not the same twice.
    const plain = (await run(request())).at(-1) as Extract<TrainMessage, { type: "done" }>;
    expect(done.weights).not.toEqual(plain.weights);
    const again = (await run({ ...base, options: { ...base.options, privacy } })).at(-1) as typeof done;
    expect(again.weights).not.toEqual(done.weights);
  });

  it("reports its backend, every epoch's loss, then the weights the node's trainLocal gives", async () => {
    started = [];
    const messages = await run(request());
    expect(messages.map((m) => m.type)).toEqual(["backend", "progress", "progress", "progress", "done"]);
    expect(messages[0]).toEqual({ type: "backend", backend: "webgl", skipped: [] });
    const done = messages.at(-1) as Extract<TrainMessage, { type: "done" }>;
    expect(messages.slice(1, 4).map((m) => (m as { epoch: number }).epoch)).toEqual([1, 2, 3]);
    expect(messages.slice(1, 4).map((m) => (m as { loss: number }).loss)).toEqual(done.epochLosses);
    // The node's training on the same data, start weights and seed, on the same backend.
    const model = models.buildModel(SPEC);
    train.trainLocal(model, data.train, request().options);
    expect(done.weights).toEqual(models.getFlatWeights(model));
    model.dispose();
    expect(done.msPerEpoch).toBeGreaterThan(0);
  });

  it("falls back from a backend that does not start, and says why", async () => {
    started = [];
    const messages = await run(request({ options: { ...request().options, epochs: 1 } }), env({ webgl: "no WebGL" }));
    expect(messages[0]).toEqual({ type: "backend", backend: "wasm", skipped: ["webgl: no WebGL"] });
    expect(started).toEqual(["wasm"]);
  });

  it("tells the backend whether the user chose it (auto may decline a slow one)", async () => {
    started = [];
    chosenFlags = [];
    const options = { ...request().options, epochs: 1 };
    await run(request({ options }), env({ webgl: "software renderer" }));
    await run(request({ options, backends: ["cpu"] }));
    expect(chosenFlags).toEqual([false, false, true]);
    expect(started).toEqual(["wasm", "cpu"]);
  });

  it("ends with one error message when training cannot run", async () => {
    const noBackend = await run(request(), env({ webgl: "a", wasm: "b", cpu: "c" }));
    expect(noBackend).toEqual([
      { type: "error", message: "no TensorFlow.js backend started in this browser (webgl: a; wasm: b; cpu: c)" },
    ]);
    const empty = await run(request({ data: { ...data.train, x: new Float32Array(), y: new Int32Array() } }));
    expect(empty.at(-1)).toEqual({ type: "error", message: "cannot train on an empty dataset" });
    const wrong = await run(request({ weights: new Float32Array(3) }));
    expect(wrong.at(-1)?.type).toBe("error");
  });
});

/** A Worker stand-in that runs the handler in this process, delivering messages asynchronously. */
function inProcessWorker(delayMs = 0): WorkerLike & { terminated: boolean } {
  const worker = {
    onmessage: null as WorkerLike["onmessage"],
    onerror: null as WorkerLike["onerror"],
    terminated: false,
    postMessage(req: TrainRequest) {
      setTimeout(() => {
        void handleTrainRequest(
          req,
          (m) =>
            setTimeout(() => {
              if (!worker.terminated) worker.onmessage?.({ data: m } as MessageEvent<TrainMessage>);
            }, delayMs),
          env(),
        );
      }, delayMs);
    },
    terminate() {
      worker.terminated = true;
    },
  };
  return worker;
}

describe("startTraining (the page's side)", () => {
  it("forwards progress and resolves with the trained weights; the caller's weights stay untouched", async () => {
    const seen: string[] = [];
    const req = request({ options: { ...request().options, epochs: 2 } });
    const before = Float32Array.from(req.weights);
    const worker = inProcessWorker();
    const trained = await startTraining(
      req,
      (m) => seen.push(m.type),
      () => worker,
    ).result;
    expect(seen).toEqual(["backend", "progress", "progress", "done"]);
    expect(trained.epochLosses).toHaveLength(2);
    expect(req.weights).toEqual(before);
    expect(worker.terminated).toBe(true);
  });

  it("cancel terminates the worker and rejects with TrainingCancelled; later messages are ignored", async () => {
    const seen: string[] = [];
    const worker = inProcessWorker(5);
    const run = startTraining(
      request(),
      (m) => seen.push(m.type),
      () => worker,
    );
    run.cancel();
    await expect(run.result).rejects.toBeInstanceOf(TrainingCancelled);
    expect(worker.terminated).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([]);
  });

  it("rejects with the worker's error, or a crash of the worker itself", async () => {
    const failing = startTraining(
      request({ weights: new Float32Array(2) }),
      () => {},
      () => inProcessWorker(),
    );
    await expect(failing.result).rejects.toThrow(/^local training failed: /);
    const crashed = inProcessWorker();
    const run = startTraining(
      request(),
      () => {},
      () => crashed,
    );
    crashed.onerror?.({ message: "out of memory" } as ErrorEvent);
    await expect(run.result).rejects.toThrow("the training worker failed: out of memory");
  });
});
