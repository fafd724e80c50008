import { describe, expect, it } from "vitest";
import { makeDataset, type Dataset } from "../../../client/src/ml/dataset";
import {
  PERMUTE_PIXELS_LABEL,
  permutePixels,
  permuteSplit,
  pixelPermutation,
  stringSeed,
} from "../../../client/src/ml/permute";
import { loadPartitions } from "../../../client/src/node/data";

/** n images of h x w x c whose value at (sample, pixel, channel) encodes all three. */
function images(n: number, h: number, w: number, c: number): Dataset {
  const f = h * w * c;
  const x = Float32Array.from({ length: n * f }, (_, k) => {
    const i = Math.floor(k / f);
    const p = Math.floor((k % f) / c);
    return i * 10_000 + p * 10 + (k % c);
  });
  return makeDataset({ x, y: new Int32Array(n), numFeatures: f, numClasses: 1, featureShape: [h, w, c] });
}

describe("permutePixels", () => {
  it("derives its seed from the documented label (FNV-1a)", () => {
    expect(PERMUTE_PIXELS_LABEL).toBe("flufhe/permute-pixels/v1");
    expect(stringSeed("")).toBe(0x811c9dc5);
    expect(stringSeed("a")).toBe(0xe40c292c); // the FNV-1a test vector
  });

  it("is a permutation of the pixel positions, the same on every call", () => {
    const perm = pixelPermutation(784);
    expect([...perm].sort((a, b) => a - b)).toEqual(Array.from({ length: 784 }, (_, i) => i));
    expect(perm).toEqual(pixelPermutation(784));
    expect(perm.filter((p, i) => p === i).length).toBeLessThan(10); // it does move the pixels
  });

  it("moves every image's pixels the same way and keeps a pixel's channels together", () => {
    const d = images(3, 4, 5, 2);
    const out = permutePixels(d);
    const perm = pixelPermutation(20);
    expect(out.featureShape).toEqual([4, 5, 2]);
    expect(out.y).toBe(d.y);
    for (let i = 0; i < 3; i++) {
      for (let p = 0; p < 20; p++) {
        for (let c = 0; c < 2; c++) expect(out.x[i * 40 + p * 2 + c]).toBe(i * 10_000 + perm[p] * 10 + c);
      }
    }
    expect(d.x[1 * 40 + 3 * 2 + 1]).toBe(10_000 + 31); // the input is left as it was
  });

  it("gives the train and test sets the same permutation", () => {
    const { train, test } = permuteSplit({ train: images(2, 3, 3, 1), test: images(1, 3, 3, 1) });
    expect(test.x).toEqual(train.x.subarray(0, 9));
  });

  it("refuses a dataset that is not images", () => {
    const tabular = makeDataset({
      x: new Float32Array(6),
      y: new Int32Array(2),
      numFeatures: 3,
      numClasses: 1,
      featureShape: [3],
    });
    expect(() => permutePixels(tabular, "breast-cancer data")).toThrow(
      "--permute-pixels needs images (samples of shape [height, width, channels]); the breast-cancer data has samples of shape [3]",
    );
    expect(() => loadPartitions({ data: "breast-cancer", clients: 2, seed: 1, permutePixels: true })).toThrow(
      /needs images/,
    );
  });

  it("permutes the partitions and the test set through loadPartitions (the same partition of the labels)", () => {
    const spec = { data: "digits", clients: 3, partition: "dirichlet" as const, seed: 4 };
    const plain = loadPartitions(spec);
    const permuted = loadPartitions({ ...spec, permutePixels: true });
    expect(permuted.parts.map((p) => p.y)).toEqual(plain.parts.map((p) => p.y));
    expect(permuted.parts[1].x).toEqual(permutePixels(plain.parts[1]).x);
    expect(permuted.test.x).toEqual(permutePixels(plain.test).x);
    expect(permuted.test.x).not.toEqual(plain.test.x);
  });
});
