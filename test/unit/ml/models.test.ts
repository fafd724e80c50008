import { createHash } from "node:crypto";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  buildModel,
  getFlatWeights,
  initBackend,
  mulberry32,
  parameterCount,
  setFlatWeights,
  type ModelSpec,
} from "../../../client/src/ml";
import { canonicalJson, modelCommitment } from "../../../client/src/protocol/modelSpec";

const specs: ModelSpec[] = [
  { kind: "logreg", inputShape: [30], numClasses: 2, seed: 1 },
  { kind: "mlp", inputShape: [30], numClasses: 2, hidden: [16, 8], seed: 1 },
  { kind: "mlp", inputShape: [8, 8, 1], numClasses: 10, seed: 1 },
  { kind: "cnn", inputShape: [8, 8, 1], numClasses: 10, hidden: [8, 16], seed: 1 },
  { kind: "lenet", inputShape: [28, 28, 1], numClasses: 10, seed: 1 },
];
// logreg 30*2+2; mlp 30*16+16 + 16*8+8 + 8*2+2; mlp 64*64+64 + 64*10+10;
// cnn (3*3*1*8+8) + (3*3*8*16+16) + (2*2*16*10+10);
// lenet (5*5*1*6+6) + (5*5*6*16+16) + (5*5*16*120+120) + (120*84+84) + (84*10+10), LeNet-5's 61,706
const expectedCounts = [62, 650, 4810, 1898, 61706];

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

beforeAll(async () => {
  await initBackend("wasm", () => {});
});

describe("models", () => {
  it.each(specs.map((s, i) => [s.kind, s, expectedCounts[i]] as const))(
    "%s has the expected parameter count",
    (_, spec, n) => {
      const m = buildModel(spec);
      expect(parameterCount(m)).toBe(n);
      expect(getFlatWeights(m).length).toBe(n);
      const out = tf.tidy(() => (m.predict(tf.zeros([3, ...spec.inputShape])) as tf.Tensor).shape);
      expect(out).toEqual([3, spec.numClasses]);
    },
  );

  it.each(specs.map((s) => [s.kind, s] as const))(
    "%s: same seed, bitwise-identical weights; new seed, new weights",
    (_, spec) => {
      const a = getFlatWeights(buildModel(spec));
      expect(bytes(getFlatWeights(buildModel(spec)))).toEqual(bytes(a));
      expect(bytes(getFlatWeights(buildModel({ ...spec, seed: 2 })))).not.toEqual(bytes(a));
      expect(a.some((w) => w !== 0)).toBe(true);
    },
  );

  it("initialises identically on the cpu backend", async () => {
    const onWasm = getFlatWeights(buildModel(specs[3]));
    await tf.setBackend("cpu");
    try {
      expect(bytes(getFlatWeights(buildModel(specs[3])))).toEqual(bytes(onWasm));
    } finally {
      await tf.setBackend("wasm");
    }
  });

  it("round-trips flat weights and uses them", () => {
    const m = buildModel(specs[1]);
    const rng = mulberry32(9);
    const flat = Float32Array.from({ length: parameterCount(m) }, () => rng() * 2 - 1);
    setFlatWeights(m, flat);
    expect(bytes(getFlatWeights(m))).toEqual(bytes(flat));
    // Weights are laid out layer by layer, kernel then bias: the first dense bias follows its 30x16 kernel.
    const firstDense = m.layers.filter((l) => l.countParams() > 0)[0];
    const bias = firstDense.getWeights()[1].dataSync();
    expect(Array.from(bias)).toEqual(Array.from(flat.subarray(480, 496)));
    expect(() => setFlatWeights(m, new Float32Array(3))).toThrow(/model has 650 parameters, got a vector of 3/);
  });

  it("rejects a cnn on flat inputs", () => {
    expect(() => buildModel({ kind: "cnn", inputShape: [30], numClasses: 2, seed: 0 })).toThrow(
      /a cnn needs inputShape/,
    );
  });
});

describe("modelCommitment", () => {
  const spec = specs[0];

  it("is sha256 over the canonical spec and the little-endian float32 weights, ignoring key order", () => {
    const w = getFlatWeights(buildModel(spec));
    const h = modelCommitment(spec, w);
    const bytes = new DataView(new ArrayBuffer(w.length * 4));
    w.forEach((x, i) => bytes.setFloat32(i * 4, x, true));
    const expected = createHash("sha256")
      .update('{"inputShape":[30],"kind":"logreg","numClasses":2,"seed":1}', "utf8")
      .update(new Uint8Array(bytes.buffer))
      .digest("hex");
    expect(h).toBe("0x" + expected);
    const reordered = { seed: 1, numClasses: 2, inputShape: [30], kind: "logreg" } as ModelSpec;
    expect(modelCommitment(reordered, w)).toBe(h);
    expect(canonicalJson(reordered)).toBe('{"inputShape":[30],"kind":"logreg","numClasses":2,"seed":1}');
  });

  it("changes with the spec and with any weight", () => {
    const w = getFlatWeights(buildModel(spec));
    const h = modelCommitment(spec, w);
    expect(modelCommitment({ ...spec, numClasses: 3 }, w)).not.toBe(h);
    const w2 = w.slice();
    w2[w2.length - 1] = Math.fround(w2[w2.length - 1] + 1e-7);
    expect(modelCommitment(spec, w2)).not.toBe(h);
  });
});
