import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../client/src/ml/backend";
import type { Dataset } from "../../../client/src/ml/dataset";
import {
  checkDpSgdSettings,
  clippedGradientSum,
  gatherBatch,
  poissonSample,
  trainLocalPrivately,
  usesDensePath,
  type DpSgdSettings,
} from "../../../client/src/ml/dpTrain";
import {
  buildModel,
  getFlatWeights,
  parameterCount,
  setFlatWeights,
  type ModelSpec,
} from "../../../client/src/ml/models";
import { mulberry32, normal } from "../../../client/src/ml/rng";
import { evaluate, trainLocal } from "../../../client/src/ml/train";
import { insecureSeededRandom, secureRandom, type NoiseSource } from "../../../client/src/privacy/secureRandom";

const mlpSpec: ModelSpec = { kind: "mlp", inputShape: [4, 3], numClasses: 3, hidden: [5, 4], seed: 1 };
const cnnSpec: ModelSpec = { kind: "cnn", inputShape: [6, 6, 1], numClasses: 3, hidden: [2], seed: 1 };

/** Gaussian blobs, one per class, `spread` apart: separable when spread >> 1. */
function blobs(n: number, featureShape: number[], numClasses: number, seed: number, spread = 3): Dataset {
  const rng = mulberry32(seed);
  const f = featureShape.reduce((a, b) => a * b, 1);
  const centres = Array.from({ length: numClasses }, () => Array.from({ length: f }, () => spread * normal(rng)));
  const x = new Float32Array(n * f);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % numClasses;
    for (let j = 0; j < f; j++) x[i * f + j] = centres[y[i]][j] + normal(rng);
  }
  return { x, y, numFeatures: f, numClasses, featureShape };
}

/** Random weights (nonzero biases too), so relu units are neither all on nor all off. */
function randomiseWeights(model: tf.LayersModel, seed: number): void {
  const rng = mulberry32(seed);
  setFlatWeights(
    model,
    Float32Array.from({ length: parameterCount(model) }, () => 0.5 * normal(rng)),
  );
}

/** Per-example gradients from tf.variableGrads on each one-example batch, flattened in float64. */
function perExampleGrads(model: tf.LayersModel, data: Dataset): Float64Array[] {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return Array.from({ length: data.y.length }, (_, i) => {
    const flat = tf.tidy(() => {
      const { xs, ys } = gatherBatch(data, [i]);
      const loss = () => tf.losses.softmaxCrossEntropy(ys, model.apply(xs) as tf.Tensor) as tf.Scalar;
      const { grads } = tf.variableGrads(loss, vars);
      return tf.concat(vars.map((v) => tf.reshape(grads[v.name], [-1])));
    });
    const values = Float64Array.from(flat.dataSync());
    flat.dispose();
    return values;
  });
}

const norm = (g: ArrayLike<number>) => Math.sqrt(Array.from(g).reduce((s, v) => s + v * v, 0));

/** The brute-force clipped sum: clip each per-example gradient in float64, add. */
function bruteForceClippedSum(grads: Float64Array[], clipNorm: number): Float64Array {
  const sum = new Float64Array(grads[0].length);
  for (const g of grads) {
    const scale = Math.min(1, clipNorm / norm(g));
    g.forEach((v, j) => (sum[j] += scale * v));
  }
  return sum;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function fastSum(model: tf.LayersModel, data: Dataset, clipNorm: number): Float32Array {
  const { xs, ys } = gatherBatch(
    data,
    Int32Array.from(data.y, (_, i) => i),
  );
  try {
    return clippedGradientSum(model, xs, ys, clipNorm);
  } finally {
    tf.dispose([xs, ys]);
  }
}

/** A clip norm that clips about half of the examples (the median per-example norm). */
function medianNorm(grads: Float64Array[]): number {
  const norms = grads.map(norm).sort((a, b) => a - b);
  return norms[Math.floor(norms.length / 2)];
}

function expectMatchesBruteForce(model: tf.LayersModel, data: Dataset): void {
  const grads = perExampleGrads(model, data);
  for (const clipNorm of [medianNorm(grads), 1e6, 1e-3]) {
    expect(maxAbsDiff(fastSum(model, data, clipNorm), bruteForceClippedSum(grads, clipNorm))).toBeLessThan(1e-4);
  }
}

const settings: DpSgdSettings = { clipNorm: 1, noiseMultiplier: 1, samplingRate: 0.1, steps: 5, insecureSeed: 7 };

beforeAll(async () => {
  await initBackend("wasm", () => {});
});

describe("per-example clipped gradient sums", () => {
  it("the dense path equals brute-force per-example clipping on an mlp", () => {
    const model = buildModel(mlpSpec);
    randomiseWeights(model, 3);
    expect(usesDensePath(model)).toBe(true);
    expectMatchesBruteForce(model, blobs(12, [4, 3], 3, 5, 1));
  });

  it("the dense path equals brute force on logistic regression", () => {
    const model = buildModel({ kind: "logreg", inputShape: [7], numClasses: 4, seed: 2 });
    randomiseWeights(model, 4);
    expect(usesDensePath(model)).toBe(true);
    expectMatchesBruteForce(model, blobs(9, [7], 4, 6, 1));
  });

  it("a cnn takes the per-example fallback, which equals brute force", () => {
    const model = buildModel(cnnSpec);
    randomiseWeights(model, 5);
    expect(usesDensePath(model)).toBe(false);
    expectMatchesBruteForce(model, blobs(6, [6, 6, 1], 3, 7, 1));
  });

  it("rejects a dense layer with an activation it cannot differentiate by hand", () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [3], units: 2, activation: "tanh" }), tf.layers.dense({ units: 2 })],
    });
    const xs = tf.zeros([1, 3]);
    const ys = tf.tensor2d([[1, 0]]);
    expect(() => clippedGradientSum(model, xs, ys, 1)).toThrow(/activation "tanh"; known: relu, linear/);
    tf.dispose([xs, ys]);
    model.dispose();
  });
});

/** Weights after DP training a fresh model; `spec` defaults to the mlp. */
function trainedWeights(data: Dataset, privacy: DpSgdSettings, learningRate = 0.1, spec = mlpSpec): Float32Array {
  const model = buildModel(spec);
  trainLocalPrivately(model, data, { learningRate, privacy });
  return getFlatWeights(model);
}

describe("DP-SGD steps", () => {
  const data = blobs(50, [4, 3], 3, 11);

  it("without noise, a step is the clipped sum over the Poisson sample divided by q n, so bounded by lr C |B| / (q n)", () => {
    const privacy = { clipNorm: 0.05, noiseMultiplier: 0, samplingRate: 0.2, steps: 1, insecureSeed: 4 };
    const lr = 0.3;
    // Noise is off, so the only draws are the sampling's: replay them.
    const sample = poissonSample(50, 0.2, insecureSeededRandom(4));
    expect(sample.length).toBeGreaterThan(0);
    const model = buildModel(mlpSpec);
    const before = getFlatWeights(model);
    const sum = fastSum(model, { ...data, ...pick(data, sample) }, privacy.clipNorm);
    trainLocalPrivately(model, data, { learningRate: lr, privacy });
    const update = getFlatWeights(model).map((w, i) => w - before[i]);
    const expectedBatch = 0.2 * 50;
    expect(
      maxAbsDiff(
        update,
        sum.map((g) => (-lr * g) / expectedBatch),
      ),
    ).toBeLessThan(1e-6);
    expect(norm(update)).toBeLessThanOrEqual((lr * privacy.clipNorm * sample.length) / expectedBatch + 1e-6);
    expect(norm(update)).toBeGreaterThan(0);
  });

  it("adds noise of std sigma C lr / (q n) to every coordinate (noise-only step on an empty sample)", () => {
    const spec: ModelSpec = { kind: "logreg", inputShape: [400], numClasses: 10, seed: 1 };
    const wide = blobs(20, [400], 10, 12);
    // q n = 2e-5: the sample is empty (checked below), so the step is pure noise.
    const privacy = { clipNorm: 2, noiseMultiplier: 1.5, samplingRate: 1e-6, steps: 1, insecureSeed: 9 };
    const lr = 1e-5;
    expect(poissonSample(20, privacy.samplingRate, insecureSeededRandom(9)).length).toBe(0);
    const model = buildModel(spec);
    const before = getFlatWeights(model);
    const result = trainLocalPrivately(model, wide, { learningRate: lr, privacy });
    expect(result.epochLosses[0]).toBeNaN(); // nothing sampled
    const delta = getFlatWeights(model).map((w, i) => w - before[i]);
    const mean = delta.reduce((s, v) => s + v, 0) / delta.length;
    const std = Math.sqrt(delta.reduce((s, v) => s + (v - mean) ** 2, 0) / (delta.length - 1));
    const expected = (privacy.noiseMultiplier * privacy.clipNorm * lr) / (privacy.samplingRate * 20);
    expect(delta.length).toBe(4010);
    expect(Math.abs(std / expected - 1)).toBeLessThan(0.05);
    expect(Math.abs(mean)).toBeLessThan((4 * expected) / Math.sqrt(delta.length));
  });

  it("the same insecureSeed gives bit-identical weights; another seed or the secure source does not", () => {
    const a = trainedWeights(data, settings);
    expect(Buffer.from(trainedWeights(data, settings).buffer)).toEqual(Buffer.from(a.buffer));
    expect(trainedWeights(data, { ...settings, insecureSeed: 8 })).not.toEqual(a);
    const secure = { ...settings, insecureSeed: undefined };
    expect(trainedWeights(data, secure)).not.toEqual(trainedWeights(data, secure));
  });

  it("trainLocal delegates to DP-SGD when privacy is set, ignoring epochs, batchSize and seed", () => {
    const model = buildModel(mlpSpec);
    const seen: [number, number][] = [];
    const r = trainLocal(model, data, {
      epochs: 3,
      batchSize: 8,
      learningRate: 0.1,
      seed: 123,
      privacy: settings,
      onEpoch: (e, loss) => seen.push([e, loss]),
    });
    expect(r).toMatchObject({ steps: 5, numSamples: 50 });
    expect(r.epochLosses).toHaveLength(1);
    expect(r.epochLosses[0]).toBeGreaterThan(0);
    expect(seen).toEqual([[0, r.epochLosses[0]]]);
    expect(getFlatWeights(model)).toEqual(trainedWeights(data, settings));
  });

  it("FedProx: the proximal pull (outside clipping and noise) keeps the weights nearer the anchor", () => {
    const privacy = { ...settings, steps: 30, noiseMultiplier: 0.5 };
    const start = getFlatWeights(buildModel(mlpSpec));
    const drift = (proxMu: number) => {
      const model = buildModel(mlpSpec);
      trainLocalPrivately(model, data, { learningRate: 0.5, privacy, proxMu });
      return norm(getFlatWeights(model).map((w, i) => w - start[i]));
    };
    expect(drift(1)).toBeLessThan(0.9 * drift(0));
  });

  it("still learns a separable dataset at noise multiplier 1", () => {
    const all = blobs(600, [10], 3, 13);
    const train = {
      ...all,
      ...pick(
        all,
        Int32Array.from({ length: 400 }, (_, i) => i),
      ),
    };
    const test = {
      ...all,
      ...pick(
        all,
        Int32Array.from({ length: 200 }, (_, i) => 400 + i),
      ),
    };
    const spec: ModelSpec = { kind: "mlp", inputShape: [10], numClasses: 3, hidden: [8], seed: 3 };
    const model = buildModel(spec);
    const privacy = { clipNorm: 1, noiseMultiplier: 1, samplingRate: 0.05, steps: 100, insecureSeed: 1 };
    trainLocalPrivately(model, train, { learningRate: 0.5, privacy });
    expect(evaluate(model, test).accuracy).toBeGreaterThan(0.8); // chance is 1/3
  });
});

/** x and y of the records at `indices`. */
function pick(data: Dataset, indices: Int32Array): Pick<Dataset, "x" | "y"> {
  const f = data.numFeatures;
  const x = new Float32Array(indices.length * f);
  indices.forEach((i, k) => x.set(data.x.subarray(i * f, (i + 1) * f), k * f));
  return { x, y: Int32Array.from(indices, (i) => data.y[i]) };
}

describe("Poisson sampling", () => {
  it("takes each record with probability q: mean batch ~ q n", () => {
    const source = insecureSeededRandom(2);
    const sizes = Array.from({ length: 400 }, () => poissonSample(1000, 0.05, source).length);
    const mean = sizes.reduce((s, v) => s + v, 0) / sizes.length;
    // sd of the mean: sqrt(1000 * 0.05 * 0.95 / 400) ~ 0.34
    expect(Math.abs(mean - 50)).toBeLessThan(1.5);
    expect(new Set(sizes).size).toBeGreaterThan(5); // the batch size varies, as Poisson sampling must
    const sample = poissonSample(1000, 0.05, source);
    expect(Array.from(sample)).toEqual([...sample].sort((a, b) => a - b));
    expect(poissonSample(30, 1, source)).toEqual(Int32Array.from({ length: 30 }, (_, i) => i));
  });
});

describe("noise sources", () => {
  const check = (source: NoiseSource) => {
    const u = Array.from({ length: 20000 }, () => source.uniform());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(u.reduce((s, v) => s + v, 0) / u.length).toBeCloseTo(0.5, 1);
    // 53-bit uniforms: bits below 2^-32 are set (a 32-bit generator would leave them zero).
    expect(u.some((v) => !Number.isInteger(v * 2 ** 32))).toBe(true);
    const z = source.normals(20001, 3);
    expect(z).toHaveLength(20001);
    const mean = z.reduce((s, v) => s + v, 0) / z.length;
    const sd = Math.sqrt(z.reduce((s, v) => s + (v - mean) ** 2, 0) / z.length);
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(sd / 3 - 1)).toBeLessThan(0.03);
  };

  it("the secure source gives uniforms in [0, 1) and normals of the asked std", () => check(secureRandom()));
  it("the seeded source too, reproducibly", () => {
    check(insecureSeededRandom(5));
    expect(insecureSeededRandom(5).normals(10, 1)).toEqual(insecureSeededRandom(5).normals(10, 1));
  });
});

describe("settings and memory", () => {
  it.each([
    [{ clipNorm: 0 }, /clipNorm must be a finite number > 0, got 0/],
    [{ clipNorm: -1 }, /clipNorm must be a finite number > 0/],
    [{ clipNorm: Infinity }, /clipNorm must be a finite number > 0/],
    [{ noiseMultiplier: -0.1 }, /noiseMultiplier must be a finite number >= 0, got -0.1/],
    [{ noiseMultiplier: NaN }, /noiseMultiplier must be a finite number >= 0/],
    [{ samplingRate: 0 }, /samplingRate must be in \(0, 1\], got 0/],
    [{ samplingRate: 1.5 }, /samplingRate must be in \(0, 1\]/],
    [{ steps: 0 }, /steps must be a positive integer, got 0/],
    [{ steps: 2.5 }, /steps must be a positive integer/],
    [{ insecureSeed: 0.5 }, /insecureSeed must be an integer/],
  ] as [Partial<DpSgdSettings>, RegExp][])("rejects %o", (bad, message) => {
    expect(() => checkDpSgdSettings({ ...settings, ...bad })).toThrow(message);
    const model = buildModel(mlpSpec);
    expect(() =>
      trainLocalPrivately(model, blobs(5, [4, 3], 3, 1), { learningRate: 0.1, privacy: { ...settings, ...bad } }),
    ).toThrow(message);
  });

  it("rejects an empty dataset", () => {
    const empty = blobs(0, [4, 3], 3, 1);
    expect(() => trainLocalPrivately(buildModel(mlpSpec), empty, { learningRate: 0.1, privacy: settings })).toThrow(
      /empty dataset/,
    );
  });

  it.each([
    ["mlp", mlpSpec, [4, 3]],
    ["cnn", cnnSpec, [6, 6, 1]],
  ] as const)("does not leak tensors across rounds (%s, with FedProx)", (_, spec, shape) => {
    const model = buildModel(spec);
    const global = getFlatWeights(model);
    const data = blobs(40, [...shape], 3, 2);
    const round = () => {
      setFlatWeights(model, global);
      trainLocalPrivately(model, data, { learningRate: 0.1, privacy: { ...settings, samplingRate: 0.2 }, proxMu: 0.1 });
    };
    round(); // warm-up: lazily created kernels/constants
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) round();
    expect(tf.memory().numTensors).toBe(before);
  });
});
