// A fixed, public pixel permutation of an image dataset: the same information with no spatial
// structure, the stand-in for tabular records in the benchmarks (`npm run bench:learning --
// --permute-pixels`). Every image of the train and test sets gets the same permutation, drawn from a
// seed everyone can recompute, so a run on permuted data is as reproducible as one on the originals.

import type { Dataset, DatasetSplit } from "./dataset";
import { mulberry32, permutation } from "./rng";

/** What the permutation is derived from; a new version of it (v2) would change every permuted benchmark. */
export const PERMUTE_PIXELS_LABEL = "flufhe/permute-pixels/v1";

/** FNV-1a (32-bit) of a string's UTF-16 code units: a seed for mulberry32 that anyone can recompute. */
export function stringSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * The permutation of `pixels` positions: new pixel p is old pixel `perm[p]`. A seeded Fisher-Yates
 * shuffle (mulberry32 of stringSeed(PERMUTE_PIXELS_LABEL)), the same on every machine.
 */
export function pixelPermutation(pixels: number): Int32Array {
  return permutation(pixels, mulberry32(stringSeed(PERMUTE_PIXELS_LABEL)));
}

/**
 * The dataset with the pixels of every image permuted by pixelPermutation(height x width); the channels
 * of a pixel move together and the sample shape stays [h, w, c]. Throws on a dataset that is not images.
 */
export function permutePixels(d: Dataset, name = "dataset"): Dataset {
  if (d.featureShape.length !== 3) {
    throw new Error(
      `--permute-pixels needs images (samples of shape [height, width, channels]); the ${name} ` +
        `has samples of shape [${d.featureShape}]`,
    );
  }
  const [height, width, channels] = d.featureShape;
  const perm = pixelPermutation(height * width);
  const f = d.numFeatures;
  const x = new Float32Array(d.x.length);
  for (let i = 0; i < d.y.length; i++) {
    const row = i * f;
    for (let p = 0; p < perm.length; p++) {
      const from = row + perm[p] * channels;
      const to = row + p * channels;
      for (let c = 0; c < channels; c++) x[to + c] = d.x[from + c];
    }
  }
  return { ...d, x };
}

/** Both sets of a split through the same permutation. */
export function permuteSplit(split: DatasetSplit): DatasetSplit {
  return { train: permutePixels(split.train, "training set"), test: permutePixels(split.test, "test set") };
}
