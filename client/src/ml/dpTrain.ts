// Record-level differential privacy for a participant's local training: DP-SGD (Abadi et al., 2016)
// exactly as the RDP accountant (privacy/rdp.ts) assumes it, i.e. add/remove adjacency with Poisson
// sampling. Each step takes every record independently with probability q, clips each sampled
// record's gradient to L2 norm C over all trainable parameters together, sums, adds N(0, (sigma C)^2)
// to every coordinate, divides by the expected batch size q n (as Opacus does with Poisson sampling)
// and takes an SGD step. The sample and the noise come from a secret CSPRNG (privacy/secureRandom.ts),
// never from the public training seed: amplification by sampling only holds if the sample is secret.
//
// trainLocal (train.ts) delegates here when its options carry `privacy`; this module imports nothing
// from train.ts (train.ts imports it), so there is no import cycle.

import * as tf from "@tensorflow/tfjs";
import { insecureSeededRandom, secureRandom, type NoiseSource } from "../privacy/secureRandom";
import type { Dataset } from "./dataset";
import { getFlatWeights, trainableMask, weightTensors } from "./models";

export interface DpSgdSettings {
  /** C: every sampled record's gradient is scaled to L2 norm at most C (all trainable parameters together). */
  clipNorm: number;
  /** sigma: each step adds N(0, (sigma C)^2) to every coordinate of the clipped sum. 0 = clipping only, no DP. */
  noiseMultiplier: number;
  /** q: each step samples each record independently with this probability (Poisson sampling). */
  samplingRate: number;
  /** Number of DP-SGD steps (one expected epoch is about 1 / q steps). */
  steps: number;
  /** Tests and benchmarks only: draw sampling and noise from this seed instead of the platform's secure generator. Not private. */
  insecureSeed?: number;
}

/** What trainLocalPrivately reads; trainLocal's TrainOptions with `privacy` set fits it. */
export interface PrivateTrainOptions {
  learningRate: number;
  privacy: DpSgdSettings;
  /** FedProx mu: its proximal gradient mu (w - wGlobal) is added after clipping and noise (it reads no data). */
  proxMu?: number;
  /** FedProx anchor wGlobal; defaults to the model's weights when training starts. */
  globalWeights?: Float32Array;
  /** Called once, with epoch 0 and the mean loss over all sampled records. */
  onEpoch?: (epoch: number, loss: number) => void;
}

/** The shape of trainLocal's TrainResult. */
export interface PrivateTrainResult {
  /**
   * One entry: the mean objective (cross-entropy + proximal term) over every sampled record of every
   * step, NaN if no record was sampled. Computed from the private data without noise: show it locally,
   * never publish it.
   */
  epochLosses: number[];
  steps: number;
  numSamples: number;
}

/** Throws with what is wrong unless `s` are usable DP-SGD settings. */
export function checkDpSgdSettings(s: DpSgdSettings): void {
  const fail = (what: string, value: unknown) => {
    throw new RangeError(`DP-SGD ${what}, got ${String(value)}`);
  };
  if (!(s.clipNorm > 0) || !Number.isFinite(s.clipNorm)) fail("clipNorm must be a finite number > 0", s.clipNorm);
  if (!(s.noiseMultiplier >= 0) || !Number.isFinite(s.noiseMultiplier)) {
    fail("noiseMultiplier must be a finite number >= 0", s.noiseMultiplier);
  }
  if (!(s.samplingRate > 0 && s.samplingRate <= 1)) fail("samplingRate must be in (0, 1]", s.samplingRate);
  if (!Number.isInteger(s.steps) || s.steps < 1) fail("steps must be a positive integer", s.steps);
  if (s.insecureSeed !== undefined && !Number.isInteger(s.insecureSeed)) {
    fail("insecureSeed must be an integer", s.insecureSeed);
  }
}

/** The secure generator, or the seeded one when the settings ask for it (tests and benchmarks). */
export function dpNoiseSource(s: DpSgdSettings): NoiseSource {
  return s.insecureSeed === undefined ? secureRandom() : insecureSeededRandom(s.insecureSeed);
}

/** Poisson sampling: the indices in [0, n) of the records one step takes, each with probability `rate`. */
export function poissonSample(n: number, rate: number, source: NoiseSource): Int32Array {
  const picked: number[] = [];
  for (let i = 0; i < n; i++) if (source.uniform() < rate) picked.push(i);
  return Int32Array.from(picked);
}

/** Features and one-hot labels of the samples at `indices` (shared with train.ts, which imports this module). */
export function gatherBatch(data: Dataset, indices: ArrayLike<number>): { xs: tf.Tensor; ys: tf.Tensor } {
  const f = data.numFeatures;
  const n = indices.length;
  const x = new Float32Array(n * f);
  const y = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    x.set(data.x.subarray(i * f, (i + 1) * f), k * f);
    y[k] = data.y[i];
  }
  return {
    xs: tf.tensor(x, [n, ...data.featureShape]),
    ys: tf.oneHot(tf.tensor1d(y, "int32"), data.numClasses),
  };
}

// ---- Per-example clipped gradient sums ----

/** One Dense layer of the fast path, with the positions of its variables among the trainable ones. */
interface DenseLayerPlan {
  kernel: tf.Variable;
  bias?: tf.Variable;
  units: number;
  kernelIndex: number;
  biasIndex?: number;
  activation: (z: tf.Tensor) => tf.Tensor;
}

const ACTIVATIONS: Record<string, (z: tf.Tensor) => tf.Tensor> = {
  linear: (z) => z,
  relu: (z) => tf.relu(z),
};

/** The model's trainable variables, in model.trainableWeights order (the order of every gradient list here). */
function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

function denseLayerPlan(model: tf.LayersModel, layer: tf.layers.Layer): DenseLayerPlan | undefined {
  const name = String(layer.getConfig().activation ?? "linear");
  const activation = ACTIVATIONS[name];
  if (!activation) throw new Error(`DP-SGD: dense layer ${layer.name} has activation "${name}"; known: relu, linear`);
  const kernelWeight = layer.weights.find((w) => w.shape.length === 2);
  const biasWeight = layer.weights.find((w) => w.shape.length === 1);
  const kernelIndex = kernelWeight ? model.trainableWeights.indexOf(kernelWeight) : -1;
  const biasIndex = biasWeight ? model.trainableWeights.indexOf(biasWeight) : undefined;
  // A frozen layer takes the general path, which handles any set of trainable variables.
  if (kernelIndex < 0 || biasIndex === -1) return undefined;
  return {
    kernel: kernelWeight!.read() as tf.Variable,
    bias: biasWeight?.read() as tf.Variable | undefined,
    units: (kernelWeight!.shape as number[])[1],
    kernelIndex,
    biasIndex,
    activation,
  };
}

/**
 * The fast path's plan when the model is [InputLayer] [Flatten] Dense... with relu / linear
 * activations on rank-2 inputs (logreg, mlp), else undefined (conv models).
 */
function densePlan(model: tf.LayersModel): DenseLayerPlan[] | undefined {
  // model.layers is a chain only with one input and one output (merge layers would fail below too).
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return undefined;
  let rank = model.inputs[0].shape.length;
  const plan: DenseLayerPlan[] = [];
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (kind === "InputLayer") continue;
    if (kind === "Flatten") {
      rank = 2;
      continue;
    }
    if (kind !== "Dense" || rank !== 2) return undefined;
    const step = denseLayerPlan(model, layer);
    if (!step) return undefined;
    plan.push(step);
  }
  return plan.length > 0 ? plan : undefined;
}

/** True when the model gets per-example gradients from the one-backward-pass dense path. */
export function usesDensePath(model: tf.LayersModel): boolean {
  return densePlan(model) !== undefined;
}

interface ClippedSum {
  /** Sum of the clipped per-example gradients, one tensor per trainable variable. */
  grads: tf.Tensor[];
  /** Sum of the per-example cross-entropies. */
  lossSum: tf.Scalar;
}

/** Opacus' clip factor min(1, C / (|g| + 1e-6)), per example. */
function clipFactors(sqNorms: tf.Tensor, clipNorm: number): tf.Tensor {
  return tf.minimum(1, tf.div(clipNorm, tf.add(tf.sqrt(sqNorms), 1e-6)));
}

const sumCrossEntropy = (ys: tf.Tensor, logits: tf.Tensor) =>
  tf.losses.softmaxCrossEntropy(ys, logits, undefined, 0, tf.Reduction.SUM) as tf.Scalar;

/**
 * Dense fast path (Goodfellow 2015). A zero "probe" added to each layer's pre-activation z_l makes
 * d(sum of losses)/d(probe_l) row i equal example i's delta_l,i = dL_i/dz_l,i, all in one backward
 * pass. Example i's gradient of layer l is the outer product a_l,i delta_l,i^T (plus delta_l,i for the
 * bias), so its squared norm is (|a_l,i|^2 + 1) |delta_l,i|^2 and the clipped sum is
 * a_l^T (c * delta_l): no per-example gradient is ever materialised and no second backward pass runs.
 */
function denseClippedSum(
  plan: DenseLayerPlan[],
  numVars: number,
  xs: tf.Tensor,
  ys: tf.Tensor,
  clipNorm: number,
): ClippedSum {
  const b = xs.shape[0];
  const inputs: tf.Tensor[] = []; // a_l: kept out of the gradient's own tidy, disposed below
  const forward = (...probes: tf.Tensor[]) => {
    let h = tf.reshape(xs, [b, -1]);
    plan.forEach((layer, l) => {
      inputs.push(tf.keep(h));
      let z = tf.add(tf.matMul(h, layer.kernel), probes[l]);
      if (layer.bias) z = tf.add(z, layer.bias);
      h = layer.activation(z);
    });
    return sumCrossEntropy(ys, h);
  };
  try {
    const probes = plan.map((layer) => tf.zeros([b, layer.units]));
    const { value, grads: deltas } = tf.valueAndGrads(forward)(probes);
    const perLayer = plan.map((layer, l) => {
      const inputSq = tf.sum(tf.square(inputs[l]), 1);
      return tf.mul(layer.bias ? tf.add(inputSq, 1) : inputSq, tf.sum(tf.square(deltas[l]), 1));
    });
    const c = tf.expandDims(clipFactors(tf.addN(perLayer), clipNorm), 1);
    const grads: tf.Tensor[] = new Array(numVars);
    plan.forEach((layer, l) => {
      const scaled = tf.mul(deltas[l], c);
      grads[layer.kernelIndex] = tf.matMul(inputs[l], scaled, true, false);
      if (layer.biasIndex !== undefined) grads[layer.biasIndex] = tf.sum(scaled, 0);
    });
    return { grads, lossSum: value as tf.Scalar };
  } finally {
    tf.dispose(inputs);
  }
}

/**
 * General path for any other model (conv layers): one backward pass per example. Correct for every
 * architecture but slow (a batch of B costs B small backward passes instead of one).
 */
function perExampleClippedSum(
  model: tf.LayersModel,
  vars: tf.Variable[],
  xs: tf.Tensor,
  ys: tf.Tensor,
  clipNorm: number,
): ClippedSum {
  let acc: tf.Tensor[] = vars.map((v) => tf.zerosLike(v));
  let lossSum: tf.Scalar = tf.scalar(0);
  for (let i = 0; i < xs.shape[0]; i++) {
    const next = tf.tidy(() => {
      const xi = tf.slice(xs, [i], [1]);
      const yi = tf.slice(ys, [i], [1]);
      const { value, grads } = tf.variableGrads(
        () => sumCrossEntropy(yi, model.apply(xi, { training: true }) as tf.Tensor),
        vars,
      );
      const g = vars.map((v) => grads[v.name]);
      const c = clipFactors(tf.addN(g.map((t) => tf.sum(tf.square(t)))), clipNorm);
      return [tf.add(lossSum, value), ...acc.map((a, k) => tf.add(a, tf.mul(g[k], c)))];
    });
    // Free the previous running sums now: left to the caller's tidy they would pile up per example.
    tf.dispose([lossSum, ...acc]);
    [lossSum, ...acc] = next as [tf.Scalar, ...tf.Tensor[]];
  }
  return { grads: acc, lossSum };
}

/** The clipped sum over the batch, by the dense path when `plan` is set. */
function clippedSum(
  model: tf.LayersModel,
  plan: DenseLayerPlan[] | undefined,
  vars: tf.Variable[],
  xs: tf.Tensor,
  ys: tf.Tensor,
  clipNorm: number,
): ClippedSum {
  return plan
    ? denseClippedSum(plan, vars.length, xs, ys, clipNorm)
    : perExampleClippedSum(model, vars, xs, ys, clipNorm);
}

/**
 * The sum over the batch of each example's gradient clipped to L2 norm `clipNorm` (no noise), as one
 * flat vector in trainable-weight order (the flat weight layout when every weight is trainable).
 * Exposed for tests; `ys` are one-hot labels.
 */
export function clippedGradientSum(
  model: tf.LayersModel,
  xs: tf.Tensor,
  ys: tf.Tensor,
  clipNorm: number,
): Float32Array {
  const parts = tf.tidy(() => {
    const vars = trainableVariables(model);
    return clippedSum(model, densePlan(model), vars, xs, ys, clipNorm).grads.map((g) => tf.reshape(g, [-1]));
  });
  try {
    return tf.concat(parts).dataSync() as Float32Array;
  } finally {
    tf.dispose(parts);
  }
}

// ---- Training ----

/** Everything a step needs, fixed for the whole run. */
interface StepContext {
  model: tf.LayersModel;
  data: Dataset;
  plan: DenseLayerPlan[] | undefined;
  vars: tf.Variable[];
  anchors: tf.Tensor[];
  source: NoiseSource;
  settings: DpSgdSettings;
  learningRate: number;
  proxMu: number;
}

/** mu/2 |w - wGlobal|^2 over the trainable variables. */
function proxTerm(ctx: StepContext): number {
  if (ctx.proxMu === 0) return 0;
  return tf.tidy(() => {
    const sq = tf.addN(ctx.vars.map((v, k) => tf.sum(tf.squaredDifference(v, ctx.anchors[k]))));
    return (ctx.proxMu / 2) * sq.dataSync()[0];
  });
}

/** One DP-SGD step; returns the summed objective over the sampled records and how many there were. */
function privateStep(ctx: StepContext): { objective: number; count: number } {
  const { clipNorm, noiseMultiplier, samplingRate } = ctx.settings;
  const sample = poissonSample(ctx.data.y.length, samplingRate, ctx.source);
  const prox = sample.length > 0 ? proxTerm(ctx) : 0;
  const lossSum = tf.tidy(() => {
    let sum: ClippedSum | undefined;
    if (sample.length > 0) {
      const { xs, ys } = gatherBatch(ctx.data, sample);
      sum = clippedSum(ctx.model, ctx.plan, ctx.vars, xs, ys, clipNorm);
    }
    const expectedBatch = samplingRate * ctx.data.y.length;
    const std = noiseMultiplier * clipNorm;
    const updates = ctx.vars.map((v, k) => {
      // An empty sample still takes a step: noise only (the accountant counts every step).
      let g: tf.Tensor = sum ? sum.grads[k] : tf.zerosLike(v);
      if (std > 0) g = tf.add(g, tf.tensor(ctx.source.normals(v.size, std), v.shape));
      g = tf.div(g, expectedBatch);
      // FedProx's gradient depends on the weights and the public anchor only: outside clipping and noise.
      if (ctx.proxMu > 0) g = tf.add(g, tf.mul(ctx.proxMu, tf.sub(v, ctx.anchors[k])));
      return tf.sub(v, tf.mul(ctx.learningRate, g));
    });
    // Assign only once every gradient is computed from the pre-step weights.
    ctx.vars.forEach((v, k) => v.assign(updates[k]));
    return sum ? sum.lossSum.dataSync()[0] : 0;
  });
  return { objective: lossSum + prox * sample.length, count: sample.length };
}

/**
 * Trains `model` in place on `data` with DP-SGD at `opts.privacy` (see the file comment). The result
 * has trainLocal's shape; the training seed is not used (sampling and noise must be secret).
 */
export function trainLocalPrivately(
  model: tf.LayersModel,
  data: Dataset,
  opts: PrivateTrainOptions,
): PrivateTrainResult {
  const settings = opts.privacy;
  checkDpSgdSettings(settings);
  const n = data.y.length;
  if (n === 0) throw new Error("cannot train on an empty dataset");
  const proxMu = opts.proxMu ?? 0;
  const vars = trainableVariables(model);
  const anchors = proxMu > 0 ? trainableAnchors(model, opts.globalWeights ?? getFlatWeights(model)) : [];
  const ctx: StepContext = {
    model,
    data,
    plan: densePlan(model),
    vars,
    anchors,
    source: dpNoiseSource(settings),
    settings,
    learningRate: opts.learningRate,
    proxMu,
  };
  let objective = 0;
  let count = 0;
  try {
    for (let s = 0; s < settings.steps; s++) {
      const step = privateStep(ctx);
      objective += step.objective;
      count += step.count;
    }
  } finally {
    tf.dispose(anchors);
  }
  const loss = count > 0 ? objective / count : NaN;
  opts.onEpoch?.(0, loss);
  return { epochLosses: [loss], steps: settings.steps, numSamples: n };
}

/** The FedProx anchor cut per trainable variable (the others are disposed at once). */
function trainableAnchors(model: tf.LayersModel, flat: Float32Array): tf.Tensor[] {
  const all = weightTensors(model, flat);
  const mask = trainableMask(model);
  const keep = all.filter((_, i) => mask[i]);
  tf.dispose(all.filter((t) => !keep.includes(t)));
  return keep;
}
