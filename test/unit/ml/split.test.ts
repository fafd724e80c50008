import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCsvDataset } from "../../../client/src/ml/csv";
import { checkFitsModel } from "../../../client/src/ml/dataset";
import { datasetFromIdx, encodeIdx, parseIdx } from "../../../client/src/ml/idx";
import { loadDataset } from "../../../client/src/ml/registry";
import { splitLoaded } from "../../../client/src/ml/split";
import { tmpFile } from "./helpers";

// The browser's participant view parses picked bytes and splits them with splitLoaded: it must give
// exactly what `flufhe node --data <file>` loads from disk for the same seed.
describe("splitLoaded", () => {
  const rows = Array.from({ length: 40 }, (_, i) => `${i * 0.5},${(i * 7) % 11},${i % 3}`);
  const csv = ["a,b,label", ...rows].join("\n");

  it("splits and standardises a parsed CSV as loadDataset does a CSV path", () => {
    const path = tmpFile("split.csv", csv);
    const cli = loadDataset(path, { seed: 4, labelColumn: "label" });
    const parsed = parseCsvDataset(readFileSync(path, "utf8"), path, { labelColumn: "label" });
    const page = splitLoaded(parsed, { seed: 4 }, true);
    expect(page.train.x).toEqual(cli.train.x);
    expect(page.test.y).toEqual(cli.test.y);
    expect(page.train.y.length).toBe(32);
    // Another seed is another split.
    expect(splitLoaded(parsed, { seed: 5 }, true).test.y).not.toEqual(cli.test.y);
  });

  it("splits an IDX pair without standardising, as loadDataset does an IDX path", () => {
    const images = { shape: [10, 2, 2], data: Uint8Array.from({ length: 40 }, (_, i) => (i * 37) % 256) };
    const labels = { shape: [10], data: Uint8Array.from({ length: 10 }, (_, i) => i % 3) };
    const imagesPath = tmpFile("p-images-idx3-ubyte", encodeIdx(images));
    tmpFile("p-labels-idx1-ubyte", encodeIdx(labels));
    const cli = loadDataset(imagesPath, { seed: 2 });
    const parsed = datasetFromIdx(parseIdx(encodeIdx(images)), parseIdx(encodeIdx(labels)), {
      images: "i",
      labels: "l",
    });
    const page = splitLoaded(parsed, { seed: 2 }, false);
    expect(page.train.featureShape).toEqual([2, 2, 1]);
    expect(page.train.x).toEqual(cli.train.x);
    expect(page.test.y).toEqual(cli.test.y);
  });
});

describe("checkFitsModel", () => {
  const data = { x: new Float32Array(6), y: new Int32Array([0, 1]), numFeatures: 3, numClasses: 2, featureShape: [3] };
  it("accepts the model's shape and classes and explains a mismatch", () => {
    expect(() => checkFitsModel("training", data, { inputShape: [3], numClasses: 2 })).not.toThrow();
    expect(() => checkFitsModel("training", data, { inputShape: [4], numClasses: 2 })).toThrow(
      "the training data has samples of shape [3] with 2 classes, but the task's model expects [4] with 2",
    );
    expect(() => checkFitsModel("test", data, { inputShape: [3], numClasses: 10 })).toThrow(/expects \[3\] with 10/);
  });
});
