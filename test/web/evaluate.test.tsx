// Node environment (model commitments hash with ethers, which rejects jsdom's typed arrays); the page
// itself is tested under jsdom in evaluate-view.test.tsx.
import { beforeAll, describe, expect, it } from "vitest";
import { gzipSync } from "node:zlib";
import { encodeIdx } from "../../client/src/ml/idx";
import { makeDataset } from "../../client/src/ml/dataset";
import { applyStandardiser, fitStandardiser } from "../../client/src/ml/standardise";
import { evaluate } from "../../client/src/ml/train";
import { buildModel, setFlatWeights } from "../../client/src/ml/models";
import { initialModel } from "../../client/src/node/model";
import { modelCommitment, type ModelSpec } from "../../client/src/protocol/modelSpec";
import { dataKind, datasetFromFiles, fitToSpec, readPicked } from "../../web/src/model/dataFiles";
import { evaluateLocally } from "../../web/src/model/evaluation";
import { nodeModelFile } from "../../web/src/model/files";
import { memoryStore, saveModel, taskKey } from "../../web/src/model/store";
import { loadTf } from "../../web/src/model/tfjs";

const SPEC: ModelSpec = { kind: "logreg", inputShape: [3], numClasses: 2, seed: 4 };
const CSV = ["a,b,label,c", "1.5,2,1,-3", "0.5,-1,0,2", "2.5,0.25,1,1", "-1,3,0,0.5", "0,0,1,-0.5", "3,-2,0,4"].join(
  "\n",
);

const picked = (name: string, text: string | Uint8Array) => ({
  name,
  bytes: typeof text === "string" ? new TextEncoder().encode(text) : text,
});

describe("evaluation data parsed in the page", () => {
  it("tells CSV from IDX by name or content", () => {
    expect(dataKind(picked("x.csv", "a"))).toBe("csv");
    expect(dataKind(picked("t10k-labels-idx1-ubyte.gz", "a"))).toBe("idx");
    expect(dataKind(picked("blob", encodeIdx({ shape: [1], data: new Uint8Array([1]) })))).toBe("idx");
    expect(dataKind(picked("blob", "a,b\n1,2"))).toBe("csv");
  });

  it("parses a CSV with the nodes' parser (label column anywhere), standardised with the file's own statistics", () => {
    const raw = datasetFromFiles([picked("data.csv", CSV)], SPEC, { labelColumn: "label", standardise: false });
    expect(Array.from(raw.y)).toEqual([1, 0, 1, 0, 1, 0]);
    expect(Array.from(raw.x.subarray(0, 3))).toEqual([1.5, 2, -3]);
    const std = datasetFromFiles([picked("data.csv", CSV)], SPEC, { labelColumn: "label", standardise: true });
    expect(Array.from(std.x)).toEqual(Array.from(applyStandardiser(fitStandardiser(raw), raw).x));
    expect(() => datasetFromFiles([picked("d.csv", CSV)], SPEC, { labelColumn: "y", standardise: false })).toThrow(
      /no column named "y"/,
    );
  });

  it("pairs IDX images and labels in either order, scales bytes to [0, 1] and reshapes to the model's input", () => {
    const images = encodeIdx({ shape: [2, 2, 2], data: new Uint8Array([0, 255, 51, 102, 1, 2, 3, 4]) });
    const labels = encodeIdx({ shape: [2], data: new Uint8Array([3, 1]) });
    const spec: ModelSpec = { kind: "logreg", inputShape: [4], numClasses: 10, seed: 1 };
    const d = datasetFromFiles([picked("labels-idx1-ubyte", labels), picked("images-idx3-ubyte", images)], spec, {
      labelColumn: "",
      standardise: true,
    });
    expect(d.featureShape).toEqual([4]);
    expect(d.numClasses).toBe(10);
    expect(Array.from(d.y)).toEqual([3, 1]);
    expect(d.x[1]).toBeCloseTo(1);
    expect(() =>
      datasetFromFiles([picked("images-idx3-ubyte", images)], spec, { labelColumn: "", standardise: false }),
    ).toThrow(/two files/);
  });

  it("refuses data of another shape or with classes the model does not have", () => {
    const d = makeDataset({
      x: new Float32Array(4),
      y: new Int32Array([0, 2]),
      numFeatures: 2,
      numClasses: 3,
      featureShape: [2],
    });
    expect(() => fitToSpec(d, SPEC, "f.csv")).toThrow(/2 values .* expects 3/);
    expect(() => fitToSpec(d, { ...SPEC, inputShape: [2] }, "f.csv")).toThrow(/class 2, the model knows 2 classes/);
  });

  it("reads gzipped files in the page (DecompressionStream)", async () => {
    const file = new File([gzipSync(Buffer.from(CSV))], "data.csv.gz");
    const p = await readPicked(file);
    expect(new TextDecoder().decode(p.bytes)).toBe(CSV);
  });
});

describe("evaluateLocally", () => {
  const init = initialModel(SPEC);
  const weights = init.weights.map((w, i) => w + (i % 3) * 0.3 - 0.2);
  const commitment = modelCommitment(SPEC, weights);
  let expected: { accuracy: number; loss: number };

  beforeAll(async () => {
    await loadTf();
    const model = buildModel(SPEC);
    setFlatWeights(model, weights);
    const raw = datasetFromFiles([picked("d.csv", CSV)], SPEC, { labelColumn: "label", standardise: false });
    expected = evaluate(model, applyStandardiser(fitStandardiser(raw), raw));
    model.dispose();
  });

  it("evaluates a model kept in the browser exactly as the nodes' evaluate does", async () => {
    const store = memoryStore();
    await saveModel(store, taskKey(1, "0x01", 1n), { commitment, spec: SPEC, weights, afterRound: 2 }, undefined);
    const result = await evaluateLocally(
      { kind: "stored", commitment, spec: SPEC },
      [new File([CSV], "held-out.csv")],
      { labelColumn: "label", standardise: true },
      store,
    );
    expect(result).toMatchObject({
      samples: 6,
      commitment,
      dataSource: "held-out.csv",
      modelSource: "kept in this browser",
    });
    expect(result.accuracy).toBe(expected.accuracy);
    expect(result.loss).toBeCloseTo(expected.loss, 6);
  });

  it("evaluates a nodes' model file, and refuses one whose weights do not match its commitment", async () => {
    const { filename, json } = nodeModelFile({ commitment, spec: SPEC, weights, afterRound: 2 }, 1n);
    const files = [new File([JSON.stringify(json)], filename)];
    const data = [new File([CSV], "d.csv")];
    const options = { labelColumn: "label", standardise: true };
    const result = await evaluateLocally({ kind: "files", files }, data, options, memoryStore());
    expect(result.accuracy).toBe(expected.accuracy);
    expect(result.commitment).toBe(commitment);
    const altered = [new File([JSON.stringify({ ...json, weights: json.weights.map((w) => w * 2) })], filename)];
    await expect(evaluateLocally({ kind: "files", files: altered }, data, options, memoryStore())).rejects.toThrow(
      /do not hash/,
    );
  });
});
