import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  buildModel,
  evaluate,
  getFlatWeights,
  initBackend,
  loadDataset,
  setFlatWeights,
  trainLocal,
  type DatasetSplit,
  type TrainOptions,
} from "../../../client/src/ml";

let bc: DatasetSplit;
let digits: DatasetSplit;
const opts: TrainOptions = { epochs: 5, batchSize: 16, learningRate: 0.1, seed: 1 };
const logreg = () => buildModel({ kind: "logreg", inputShape: [30], numClasses: 2, seed: 1 });

function distance(a: Float32Array, b: Float32Array): number {
  return Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0));
}

beforeAll(async () => {
  await initBackend("wasm", () => {});
  bc = loadDataset("breast-cancer", { seed: 1 });
  digits = loadDataset("digits", { seed: 1 });
});

describe("trainLocal / evaluate", () => {
  it("logistic regression reaches >= 93% test accuracy on breast-cancer in 5 epochs", () => {
    const m = logreg();
    const before = evaluate(m, bc.test);
    const r = trainLocal(m, bc.train, opts);
    const after = evaluate(m, bc.test);
    expect(r).toMatchObject({ steps: 5 * Math.ceil(455 / 16), numSamples: 455 });
    expect(r.epochLosses[4]).toBeLessThan(r.epochLosses[0]);
    expect(after.accuracy).toBeGreaterThanOrEqual(0.93);
    expect(after.loss).toBeLessThan(before.loss);
    expect(after.numSamples).toBe(114);
    const seen: [number, number][] = [];
    const again = trainLocal(logreg(), bc.train, { ...opts, onEpoch: (e, loss) => seen.push([e, loss]) });
    expect(seen).toEqual(again.epochLosses.map((loss, e) => [e, loss]));
  });

  it("a CNN trains on the wasm backend (needs the Conv2DBackpropFilter kernel)", () => {
    const m = buildModel({ kind: "cnn", inputShape: [8, 8, 1], numClasses: 10, seed: 1 });
    const r = trainLocal(m, digits.train, { epochs: 2, batchSize: 32, learningRate: 0.05, seed: 1 });
    expect(r.epochLosses[1]).toBeLessThan(r.epochLosses[0]);
    expect(evaluate(m, digits.test).accuracy).toBeGreaterThan(0.5);
  });

  it("is deterministic given the seed and the start weights", () => {
    const run = (seed: number) => {
      const m = logreg();
      trainLocal(m, bc.train, { ...opts, epochs: 1, seed });
      return getFlatWeights(m);
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });

  it("evaluate computes accuracy and mean cross-entropy", () => {
    const m = logreg();
    setFlatWeights(m, new Float32Array(62)); // all-zero logits: p = 1/2 for both classes
    const r = evaluate(m, bc.test, 10);
    expect(r.loss).toBeCloseTo(Math.log(2), 6);
    // argmax of equal logits is class 0, so accuracy = share of class 0 in the test set.
    expect(r.accuracy).toBeCloseTo(bc.test.y.filter((v) => v === 0).length / 114, 12);
  });

  it("FedProx keeps the local model closer to the global one", () => {
    const start = getFlatWeights(logreg());
    const drift = (proxMu: number) => {
      const m = logreg();
      trainLocal(m, bc.train, { ...opts, epochs: 2, proxMu });
      return distance(getFlatWeights(m), start);
    };
    const free = drift(0);
    expect(drift(1)).toBeLessThan(0.8 * free);
    expect(drift(10)).toBeLessThan(drift(1));
  });

  it("FedProx anchors on the given global weights", () => {
    const anchor = new Float32Array(62).fill(0.5);
    const m = logreg();
    trainLocal(m, bc.train, { ...opts, epochs: 2, proxMu: 5, globalWeights: anchor });
    expect(distance(getFlatWeights(m), anchor)).toBeLessThan(0.5 * distance(getFlatWeights(logreg()), anchor));
  });
});

describe("memory", () => {
  it("does not grow across repeated rounds", () => {
    const m = buildModel({ kind: "cnn", inputShape: [8, 8, 1], numClasses: 10, hidden: [4], seed: 2 });
    const global = getFlatWeights(m);
    const small = { ...digits.train, x: digits.train.x.subarray(0, 64 * 200), y: digits.train.y.subarray(0, 200) };
    const round = () => {
      setFlatWeights(m, global);
      trainLocal(m, small, { epochs: 1, batchSize: 32, learningRate: 0.05, seed: 1, proxMu: 0.01 });
      evaluate(m, digits.test);
      getFlatWeights(m);
    };
    round(); // warm-up: lazily created kernels/constants
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) round();
    expect(tf.memory().numTensors).toBe(before);
  });
});
