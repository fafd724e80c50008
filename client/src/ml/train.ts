// Local training and evaluation on a participant's Dataset. Plain mini-batch SGD (what FedAvg
// assumes), optionally with the FedProx proximal term. Every step runs inside tf.tidy so a
// participant can train round after round without leaking tensors. With `privacy` set, trainLocal
// runs DP-SGD instead (dpTrain.ts), so every caller (node, browser worker, simulations) gets it.

import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "./dataset";
import { gatherBatch, trainLocalPrivately, type DpSgdSettings } from "./dpTrain";
import { getFlatWeights, protocolWeights, trainableMask, weightTensors } from "./models";
import { mulberry32, permutation } from "./rng";

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Seed of the per-epoch shuffles: the same seed and start weights give the same result. */
  seed: number;
  /** FedProx: adds mu/2 * ||w - wGlobal||^2 to the loss (0 or absent = plain FedAvg). */
  proxMu?: number;
  /** FedProx anchor wGlobal; defaults to the model's weights when training starts (the received global). */
  globalWeights?: Float32Array;
  /** Called after each epoch (0-based) with its mean loss: progress for a browser worker or a terminal. */
  onEpoch?: (epoch: number, loss: number) => void;
  /**
   * When present, trainLocal runs DP-SGD (dpTrain.ts): `steps` and `samplingRate` replace epochs and
   * batchSize, sampling and noise come from a secure generator instead of `seed`, and the result has a
   * single "epoch".
   */
  privacy?: DpSgdSettings;
}

export interface TrainResult {
  /** Mean training objective (cross-entropy + proximal term) per epoch. */
  epochLosses: number[];
  steps: number;
  numSamples: number;
}

export interface EvalResult {
  accuracy: number;
  /** Mean softmax cross-entropy. */
  loss: number;
  numSamples: number;
}

/** Features and one-hot labels of samples order[start..end). */
function batch(data: Dataset, order: Int32Array, start: number, end: number): { xs: tf.Tensor; ys: tf.Tensor } {
  return gatherBatch(data, order.subarray(start, end));
}

export function trainLocal(model: tf.LayersModel, data: Dataset, opts: TrainOptions): TrainResult {
  const n = data.y.length;
  if (n === 0) throw new Error("cannot train on an empty dataset");
  if (opts.privacy) return trainLocalPrivately(model, data, { ...opts, privacy: opts.privacy });
  const mu = opts.proxMu ?? 0;
  const vars = protocolWeights(model).map((w) => w.read() as tf.Variable);
  const mask = trainableMask(model);
  const trainable = vars.filter((_, i) => mask[i]);
  const anchors = mu > 0 ? weightTensors(model, opts.globalWeights ?? getFlatWeights(model)) : [];
  const optimizer = tf.train.sgd(opts.learningRate);
  const rng = mulberry32(opts.seed);
  const epochLosses: number[] = [];
  let steps = 0;
  try {
    for (let e = 0; e < opts.epochs; e++) {
      const order = permutation(n, rng);
      let total = 0;
      for (let start = 0; start < n; start += opts.batchSize) {
        const end = Math.min(n, start + opts.batchSize);
        total += tf.tidy(() => {
          const { xs, ys } = batch(data, order, start, end);
          const objective = () => {
            const logits = model.apply(xs, { training: true }) as tf.Tensor;
            const ce = tf.losses.softmaxCrossEntropy(ys, logits) as tf.Scalar;
            if (mu === 0) return ce;
            const prox = tf.addN(vars.map((v, i) => tf.sum(tf.squaredDifference(v, anchors[i]))));
            return tf.add(ce, tf.mul(mu / 2, prox)) as tf.Scalar;
          };
          const cost = optimizer.minimize(objective, true, trainable) as tf.Scalar;
          return cost.dataSync()[0] * (end - start);
        });
        steps++;
      }
      epochLosses.push(total / n);
      opts.onEpoch?.(e, total / n);
    }
  } finally {
    optimizer.dispose();
    tf.dispose(anchors);
  }
  return { epochLosses, steps, numSamples: n };
}

export function evaluate(model: tf.LayersModel, data: Dataset, batchSize = 1024): EvalResult {
  const n = data.y.length;
  if (n === 0) throw new Error("cannot evaluate on an empty dataset");
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let loss = 0;
  let correct = 0;
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const [l, c] = tf.tidy(() => {
      const { xs, ys } = batch(data, order, start, end);
      const logits = model.predict(xs) as tf.Tensor;
      const sumLoss = tf.losses.softmaxCrossEntropy(ys, logits, undefined, 0, tf.Reduction.SUM);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(ys, 1)), "float32"));
      return [sumLoss.dataSync()[0], hits.dataSync()[0]];
    });
    loss += l;
    correct += c;
  }
  return { accuracy: correct / n, loss: loss / n, numSamples: n };
}
