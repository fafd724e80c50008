// The one in-memory dataset shape every loader produces and every trainer consumes.
// Flat typed arrays (row-major) rather than tensors: loaders, partitioners and the protocol stay
// free of tfjs, and nothing has to be disposed until a batch is actually trained on.

import { mulberry32, permutation } from "./rng";

export interface Dataset {
  /** Row-major features: sample i occupies x[i * numFeatures, (i + 1) * numFeatures). */
  x: Float32Array;
  /** Class index per sample, in [0, numClasses). */
  y: Int32Array;
  numFeatures: number;
  numClasses: number;
  /** Shape of one sample, e.g. [30] or [28, 28, 1]; its product equals numFeatures. */
  featureShape: number[];
  labelNames?: string[];
}

export interface DatasetSplit {
  train: Dataset;
  test: Dataset;
}

export function numSamples(d: Dataset): number {
  return d.y.length;
}

/** Checks the invariants once, so later code can trust them. */
export function makeDataset(d: Dataset): Dataset {
  const product = d.featureShape.reduce((a, b) => a * b, 1);
  if (product !== d.numFeatures) {
    throw new Error(`featureShape [${d.featureShape}] has ${product} elements, numFeatures is ${d.numFeatures}`);
  }
  if (d.x.length !== d.y.length * d.numFeatures) {
    throw new Error(`x has ${d.x.length} values, expected ${d.y.length} samples x ${d.numFeatures} features`);
  }
  for (let i = 0; i < d.y.length; i++) {
    if (d.y[i] < 0 || d.y[i] >= d.numClasses) {
      throw new Error(`label ${d.y[i]} of sample ${i} is outside [0, ${d.numClasses})`);
    }
  }
  if (d.labelNames && d.labelNames.length !== d.numClasses) {
    throw new Error(`${d.labelNames.length} label names for ${d.numClasses} classes`);
  }
  return d;
}

/** The samples at `indices`, in that order (copies the data). */
export function subset(d: Dataset, indices: ArrayLike<number>): Dataset {
  const n = indices.length;
  const f = d.numFeatures;
  const x = new Float32Array(n * f);
  const y = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    x.set(d.x.subarray(i * f, (i + 1) * f), k * f);
    y[k] = d.y[i];
  }
  return { ...d, x, y };
}

/** Seeded random split; the test part gets round(n * testFraction) samples. */
export function trainTestSplit(d: Dataset, testFraction: number, seed: number): DatasetSplit {
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError(`testFraction must be in (0, 1)`);
  const n = numSamples(d);
  const nTest = Math.round(n * testFraction);
  if (nTest === 0 || nTest === n) throw new Error(`cannot split ${n} samples with testFraction ${testFraction}`);
  const perm = permutation(n, mulberry32(seed));
  return { test: subset(d, perm.subarray(0, nTest)), train: subset(d, perm.subarray(nTest)) };
}

/** The first `limit` samples (all when limit is undefined). */
export function head(d: Dataset, limit?: number): Dataset {
  if (limit === undefined || limit >= numSamples(d)) return d;
  return { ...d, x: d.x.slice(0, limit * d.numFeatures), y: d.y.slice(0, limit) };
}

/**
 * Throws unless `data` has the model's sample shape and class count, with what to do about it
 * (the participant node and the browser's participant view say the same).
 */
export function checkFitsModel(name: string, data: Dataset, model: { inputShape: number[]; numClasses: number }): void {
  if (data.featureShape.join("x") !== model.inputShape.join("x") || data.numClasses !== model.numClasses) {
    throw new Error(
      `the ${name} data has samples of shape [${data.featureShape}] with ${data.numClasses} classes, but the ` +
        `task's model expects [${model.inputShape}] with ${model.numClasses}: use the task's dataset or a matching file`,
    );
  }
}
