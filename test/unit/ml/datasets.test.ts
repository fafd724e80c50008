import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  FASHION_MNIST_DIR,
  fitStandardiser,
  loadBreastCancer,
  loadDataset,
  loadDigits,
  loadFashionMnist,
  loadMnist,
  standardiseSplit,
  trainTestSplit,
  type Dataset,
} from "../../../client/src/ml";

const counts = (y: Int32Array, k: number) => Array.from({ length: k }, (_, c) => y.filter((v) => v === c).length);

function columnMean(d: Dataset, j: number): number {
  let s = 0;
  for (let i = 0; i < d.y.length; i++) s += d.x[i * d.numFeatures + j];
  return s / d.y.length;
}

describe("bundled datasets", () => {
  it("breast-cancer: 569 x 30, 212 malignant / 357 benign", () => {
    const d = loadBreastCancer();
    expect(d).toMatchObject({
      numFeatures: 30,
      numClasses: 2,
      featureShape: [30],
      labelNames: ["malignant", "benign"],
    });
    expect(d.y.length).toBe(569);
    expect(counts(d.y, 2)).toEqual([212, 357]);
    expect(d.x[0]).toBeCloseTo(17.99, 5); // first cell of the first data line
  });

  it("digits: 1,797 8x8 images with pixels 0..16", () => {
    const d = loadDigits();
    expect(d).toMatchObject({ numFeatures: 64, numClasses: 10, featureShape: [8, 8, 1] });
    expect(d.y.length).toBe(1797);
    expect(Math.max(...d.x)).toBe(16);
    expect(Array.from(d.y.subarray(0, 5))).toEqual([0, 1, 2, 3, 4]);
  });

  it("mnist: reads the IDX files of the npm package, with a limit", () => {
    const { train, test } = loadMnist({ trainLimit: 50, testLimit: 20 });
    expect(train.y.length).toBe(50);
    expect(test.y.length).toBe(20);
    expect(train.featureShape).toEqual([28, 28, 1]);
    expect(Array.from(train.y.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]); // the well-known first MNIST labels
    expect(Math.max(...train.x)).toBe(1);
    expect(Math.min(...train.x)).toBe(0);
  });

  it("mnist by name: --limit caps the training set and keeps the fixed test set whole", () => {
    const { train, test } = loadDataset("mnist", { limit: 40 });
    expect(train.y.length).toBe(40);
    expect(test.y.length).toBe(10_000);
  });

  it.skipIf(!existsSync(FASHION_MNIST_DIR))("fashion-mnist: reads the gzipped Debian files", () => {
    const { train, test } = loadFashionMnist({ trainLimit: 30, testLimit: 10 });
    expect(train.y.length).toBe(30);
    expect(test.y.length).toBe(10);
    expect(train.labelNames?.[9]).toBe("Ankle boot");
    expect(Array.from(train.y.subarray(0, 3))).toEqual([9, 0, 0]);
  });

  it("fashion-mnist: names the apt package when absent", () => {
    expect(() => loadFashionMnist({}, "/nonexistent")).toThrow(/apt-get install dataset-fashion-mnist/);
  });
});

describe("train/test split and standardisation", () => {
  const data: Dataset = {
    // feature 0: train-ish values around 10, feature 1: constant
    x: Float32Array.from([8, 5, 10, 5, 12, 5, 10, 5, 100, 5, 102, 5]),
    y: Int32Array.from([0, 1, 0, 1, 0, 1]),
    numFeatures: 2,
    numClasses: 2,
    featureShape: [2],
  };

  it("splits deterministically and disjointly", () => {
    const a = trainTestSplit(loadBreastCancer(), 0.2, 7);
    const b = trainTestSplit(loadBreastCancer(), 0.2, 7);
    const c = trainTestSplit(loadBreastCancer(), 0.2, 8);
    expect(a.test.y.length).toBe(114);
    expect(a.train.y.length).toBe(455);
    expect(a.test.x).toEqual(b.test.x);
    expect(a.test.x).not.toEqual(c.test.x);
  });

  it("fits on train only and applies the same statistics to test", () => {
    const split = {
      train: { ...data, x: data.x.slice(0, 8), y: data.y.slice(0, 4) },
      test: { ...data, x: data.x.slice(8), y: data.y.slice(4) },
    };
    const s = fitStandardiser(split.train);
    expect(s.mean[0]).toBe(10);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(2), 12);
    const { train, test } = standardiseSplit(split);
    expect(columnMean(train, 0)).toBeCloseTo(0, 6);
    // Test values use the train mean/std: (100 - 10) / sqrt 2, not a re-centred 0.
    expect(test.x[0]).toBeCloseTo(90 / Math.sqrt(2), 4);
    expect(test.x[2]).toBeCloseTo(92 / Math.sqrt(2), 4);
    // A constant feature maps to 0 rather than NaN.
    expect(train.x[1]).toBe(0);
    expect(test.x[3]).toBe(0);
  });
});

describe("loadDataset", () => {
  it("resolves names and standardises tabular sets with train statistics", () => {
    const { train, test } = loadDataset("breast-cancer", { seed: 3 });
    expect([train.y.length, test.y.length]).toEqual([455, 114]);
    for (let j = 0; j < 30; j++) expect(Math.abs(columnMean(train, j))).toBeLessThan(1e-4);
    expect(Math.abs(columnMean(test, 0))).toBeGreaterThan(1e-4);
    const raw = loadDataset("breast-cancer", { seed: 3, standardise: false });
    expect(raw.train.x[0]).toBeGreaterThan(1); // raw radius, not a z-score
  });

  it("keeps image sets in [0, 1] unless asked", () => {
    const { train } = loadDataset("mnist", { trainLimit: 10, testLimit: 10 });
    expect(Math.min(...train.x)).toBe(0);
  });

  it("reads scikit-learn's own CSV by path as the named set, without a label column", () => {
    const byPath = loadDataset("client/data/breast_cancer.csv", { seed: 3 });
    const byName = loadDataset("breast-cancer", { seed: 3 });
    expect(byPath.train.x).toEqual(byName.train.x);
    expect(byPath.train.y).toEqual(byName.train.y);
    expect(byPath.train.labelNames).toEqual(["malignant", "benign"]);
  });

  it("explains unknown names and CSVs without a label column", () => {
    expect(() => loadDataset("cifar")).toThrow(
      /unknown dataset "cifar": use one of breast-cancer, digits, mnist, fashion-mnist/,
    );
    expect(() => loadDataset("/tmp/some.csv")).toThrow(/some\.csv: a CSV needs labelColumn/);
  });
});
