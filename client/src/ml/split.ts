// From a loaded source to the train/test split a participant trains and evaluates on. Pure (no
// file access), so the browser's participant view splits a picked file exactly as `flufhe node` does.

import { head, trainTestSplit, type Dataset, type DatasetSplit } from "./dataset";
import { standardiseSplit } from "./standardise";

export interface SplitOptions {
  /** Seed of the train/test split of sets that have no fixed split (default 0). */
  seed?: number;
  /** Test share of sets that have no fixed split (default 0.2). */
  testFraction?: number;
  /** Z-score features with train statistics; default true for tabular sets, false for images. */
  standardise?: boolean;
  /** Keep the first `limit` samples of a single-file source before splitting (a fixed split's training set: registry.ts). */
  limit?: number;
}

/** A single-file source is split with the seed (first `limit` samples); a fixed split is kept. */
export function splitLoaded(loaded: DatasetSplit | Dataset, opts: SplitOptions, tabular: boolean): DatasetSplit {
  const split =
    "train" in loaded ? loaded : trainTestSplit(head(loaded, opts.limit), opts.testFraction ?? 0.2, opts.seed ?? 0);
  const { train, test } = (opts.standardise ?? tabular) ? standardiseSplit(split) : split;
  return { train, test };
}
