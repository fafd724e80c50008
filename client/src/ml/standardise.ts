// Per-feature z-score. Statistics come from training data only: fitting on test data would leak
// information about the evaluation set into the model.

import type { Dataset, DatasetSplit } from "./dataset";

export interface Standardiser {
  mean: Float64Array;
  /** Population standard deviation; 1 for constant features so they map to 0 instead of NaN. */
  std: Float64Array;
}

export function fitStandardiser(train: Dataset): Standardiser {
  const f = train.numFeatures;
  const n = train.y.length;
  if (n === 0) throw new Error("cannot fit a standardiser on an empty dataset");
  const mean = new Float64Array(f);
  const sq = new Float64Array(f);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f; j++) mean[j] += train.x[i * f + j];
  }
  for (let j = 0; j < f; j++) mean[j] /= n;
  // Two passes (mean, then squared deviations) to avoid the cancellation of E[x^2] - E[x]^2.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f; j++) sq[j] += (train.x[i * f + j] - mean[j]) ** 2;
  }
  const std = sq.map((s) => Math.sqrt(s / n) || 1);
  return { mean, std };
}

export function applyStandardiser(s: Standardiser, d: Dataset): Dataset {
  const f = d.numFeatures;
  if (s.mean.length !== f) throw new Error(`standardiser has ${s.mean.length} features, dataset has ${f}`);
  const x = new Float32Array(d.x.length);
  for (let i = 0; i < x.length; i++) x[i] = (d.x[i] - s.mean[i % f]) / s.std[i % f];
  return { ...d, x };
}

/** Fits on `split.train`, applies to both parts. */
export function standardiseSplit(split: DatasetSplit): DatasetSplit & { standardiser: Standardiser } {
  const standardiser = fitStandardiser(split.train);
  return {
    train: applyStandardiser(standardiser, split.train),
    test: applyStandardiser(standardiser, split.test),
    standardiser,
  };
}
