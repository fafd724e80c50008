import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  createEncoding,
  encodingName,
  parseCompressFlag,
  parseEncodingSpec,
  withInputBasis,
  type UpdateEncoding,
} from "../../../client/src/codec/encoding";
import { inputBasisDigest, inputBasisMap, principalInputBasis } from "../../../client/src/codec/inputBasis";
import { layoutOf, minLaneBits, type Layout } from "../../../client/src/codec/layout";
import { seededStream, type RoundContext } from "../../../client/src/codec/sharedSeed";
import { parseModelSpec } from "../../../client/src/protocol/modelSpec";

const FEATURES = 20;
const UNITS = 3;
const KERNEL = { offset: 0, rows: FEATURES, cols: UNITS };
/** A first kernel [20, 3] and 11 more parameters (its bias and the next layer). */
const D = FEATURES * UNITS + 11;
const CTX: RoundContext = { taskId: 3n, round: 2, globalModelHash: "0x" + "ab".repeat(32) };

const rand = (label: string) => seededStream("0x" + "cd".repeat(32), label);

/** Unit vectors spanning the public inputs' subspace (3 of 20 features' worth), and samples in it plus small noise. */
function plantedSample(samples: number, noise: number): { x: Float64Array; directions: Float64Array[] } {
  const r = rand("planted");
  const directions = [0, 1, 2].map(() => {
    const v = Float64Array.from({ length: FEATURES }, () => r() - 0.5);
    const n = Math.hypot(...v);
    return v.map((e) => e / n);
  });
  const x = new Float64Array(samples * FEATURES);
  for (let s = 0; s < samples; s++) {
    const weights = [3 * (r() - 0.5), 2 * (r() - 0.5), r() - 0.5];
    for (let i = 0; i < FEATURES; i++) {
      x[s * FEATURES + i] = weights.reduce((t, w, k) => t + w * directions[k][i], 0) + noise * (r() - 0.5);
    }
  }
  return { x, directions };
}

const { x: SAMPLE, directions: PLANTED } = plantedSample(200, 0.01);
const { basis: BASIS, retained: RETAINED } = principalInputBasis(SAMPLE, 200, FEATURES, 3);
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);
const row = (a: number) => BASIS.rows.subarray(a * FEATURES, (a + 1) * FEATURES);

describe("principal input basis", () => {
  it("finds the subspace a public sample's inputs lie in, with orthonormal rows, and says how much it holds", () => {
    expect(RETAINED).toBeGreaterThan(0.999);
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) expect(dot(row(a), row(b))).toBeCloseTo(a === b ? 1 : 0, 12);
    // Each planted direction lies in the basis' span: its projection keeps its whole length.
    for (const v of PLANTED) {
      const kept = [0, 1, 2].reduce((s, a) => s + dot(row(a), v) ** 2, 0);
      expect(kept).toBeGreaterThan(0.999);
    }
    // Two directions of the same sample hold less (the third planted one carries ~8 % of the energy).
    expect(principalInputBasis(SAMPLE, 200, FEATURES, 2).retained).toBeLessThan(0.97);
  });

  it("is the same bits every time (a fixed start) and its digest covers shape and values", () => {
    const again = principalInputBasis(SAMPLE, 200, FEATURES, 3).basis;
    expect(Buffer.from(again.rows.buffer)).toEqual(Buffer.from(BASIS.rows.buffer));
    expect(inputBasisDigest(again)).toBe(inputBasisDigest(BASIS));
    const nudged = { ...BASIS, rows: BASIS.rows.map((v, i) => (i === 7 ? v + 2 ** -40 : v)) };
    expect(inputBasisDigest(nudged)).not.toBe(inputBasisDigest(BASIS));
  });

  it("refuses a sample of the wrong length and more directions than features", () => {
    expect(() => principalInputBasis(SAMPLE.subarray(1), 200, FEATURES, 3)).toThrow(/public sample has 3999 values/);
    expect(() => principalInputBasis(SAMPLE, 200, FEATURES, 21)).toThrow(/kept directions/);
  });
});

describe("input basis map", () => {
  const map = inputBasisMap(D, KERNEL, BASIS);

  it("sends keep x units coordinates for the kernel and every other parameter as it is", () => {
    expect(map.outputDimension).toBe(3 * UNITS + 11);
  });

  it("is linear with orthonormal rows and its adjoint is the transpose", () => {
    const vec = (n: number) => fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n });
    fc.assert(
      fc.property(vec(D), vec(D), vec(map.outputDimension), (a, b, z) => {
        const fab = map.forward(a.map((v, i) => v + b[i]));
        const fa = map.forward(a);
        const fb = map.forward(b);
        fab.forEach((v, i) => expect(v).toBeCloseTo(fa[i] + fb[i], 10));
        expect(dot(fa, z)).toBeCloseTo(dot(a, map.adjoint(z)), 9);
        map.forward(map.adjoint(z)).forEach((v, i) => expect(v).toBeCloseTo(z[i], 9));
      }),
      { numRuns: 25 },
    );
  });

  it("carries a kernel update made of the public inputs' directions without loss", () => {
    // A dense kernel's gradient is a sum of (input x error) outer products; inputs from the planted subspace.
    const r = rand("update");
    const delta = new Float64Array(D).map((_, j) => (j >= FEATURES * UNITS ? r() - 0.5 : 0));
    for (let s = 0; s < 5; s++) {
      const input = SAMPLE.subarray(s * FEATURES, (s + 1) * FEATURES);
      const error = [r() - 0.5, r() - 0.5, r() - 0.5];
      for (let i = 0; i < FEATURES; i++) for (let u = 0; u < UNITS; u++) delta[i * UNITS + u] += input[i] * error[u];
    }
    const back = map.adjoint(map.forward(delta));
    const err = Math.sqrt(back.reduce((s, v, j) => s + (v - delta[j]) ** 2, 0));
    expect(err / Math.hypot(...delta)).toBeLessThan(0.01);
  });

  it("refuses a basis for another number of inputs, or one whose rows are not orthonormal", () => {
    expect(() => inputBasisMap(D, { ...KERNEL, rows: 19, cols: 3 }, BASIS)).toThrow(/20 features.*19 inputs/);
    const stretched = { ...BASIS, rows: BASIS.rows.map((v, i) => (i < FEATURES ? 2 * v : v)) };
    expect(() => inputBasisMap(D, KERNEL, stretched)).toThrow(/rows 0 and 0 are not orthonormal/);
    const skewed = {
      ...BASIS,
      rows: BASIS.rows.map((v, i) => (i >= FEATURES && i < 2 * FEATURES ? v + BASIS.rows[i - FEATURES] * 1e-3 : v)),
    };
    expect(() => inputBasisMap(D, KERNEL, skewed)).toThrow(/rows 0 and 1 are not orthonormal/);
  });
});

/** The lanes a task plans for an encoding (3-bit values, cohorts up to 6). */
function layoutFor(encoding: UpdateEncoding): Layout {
  const base = { valueBits: 3, laneBits: minLaneBits(3, 6), wordsPerChunk: 2, clip: 0.5, sampleCap: 0, weightFloor: 1 };
  return layoutOf({ ...base, paramCount: encoding.paramCount(base) }, 6);
}

describe("pca encoding", () => {
  const spec = withInputBasis({ kind: "pca", keep: 3 }, BASIS);
  const geometry = { paramCount: D, matrices: [KERNEL, { offset: 63, rows: 3, cols: 2 }], inputBasis: BASIS };
  const encoding = createEncoding(spec, geometry);

  it("decodes the lane sums to the average of what each participant sent, and keeps only rounding error", () => {
    const layout = layoutFor(encoding);
    const r = rand("deltas");
    const deltas = [0, 1, 2, 3].map(() => Array.from({ length: D }, () => 0.3 * (r() - 0.5)));
    const encoded = deltas.map((delta, i) =>
      encoding.encode({ delta, layout, ctx: CTX, dither: seededStream(CTX.globalModelHash, `p${i}`) }),
    );
    const flat = encoded.map((e) => e.chunks.flat());
    const sums = flat[0].map((_, w) => flat.reduce((s, words) => s + words[w], 0n));
    const decoded = encoding.decode(sums, new Array(layout.chunkCount).fill(4), layout, CTX);
    const ones = new Array(layout.chunkCount).fill(1);
    const alone = flat.map((words) => encoding.decode(words, ones, layout, CTX));
    decoded.forEach((v, j) => expect(v).toBeCloseTo(alone.reduce((s, a) => s + a[j], 0) / 4, 9));
    // The map is fixed, so the residual lives in the compressed space: one step of rounding at most.
    expect(encoded[0].feedback).toHaveLength(encoding.dimension);
    const step = (2 * 0.5) / (2 ** 3 - 2);
    for (const e of encoded[0].feedback!) expect(Math.abs(e)).toBeLessThanOrEqual(step + 1e-6);
  });

  it("says what is missing when the basis is absent, another one, or not named by the spec", () => {
    expect(() => createEncoding(spec, { ...geometry, inputBasis: undefined })).toThrow(
      new RegExp(`pca:3 needs the public input basis ${spec.basis} its spec commits to`),
    );
    const other = principalInputBasis(
      SAMPLE.map((v) => v * v),
      200,
      FEATURES,
      3,
    ).basis;
    expect(() => createEncoding(spec, { ...geometry, inputBasis: other })).toThrow(
      /hashes to 0x[0-9a-f]+, the task's spec commits to/,
    );
    expect(() => createEncoding({ kind: "pca", keep: 3 }, geometry)).toThrow(/names no basis/);
    expect(() => withInputBasis({ kind: "pca", keep: 4 }, BASIS)).toThrow(
      /needs a basis of 4 directions, this one has 3/,
    );
  });

  it("parses as a flag and a spec, and a model spec takes it only for a first dense layer it fits", () => {
    expect(parseCompressFlag("pca:122")).toEqual({ kind: "pca", keep: 122 });
    expect(encodingName(spec)).toBe("pca:3");
    expect(parseEncodingSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
    expect(() => parseEncodingSpec({ kind: "pca", keep: 3, basis: "0x12" })).toThrow(/digest/);
    expect(() => parseEncodingSpec({ kind: "pca", keep: 0 })).toThrow(/pca needs keep, the input directions kept/);
    expect(() => parseEncodingSpec({ kind: "pca", keep: 3, rank: 2 })).toThrow(/pca takes no "rank"/);
    const mlp = { kind: "mlp", inputShape: [FEATURES], numClasses: 2, seed: 1, hidden: [UNITS] };
    expect(parseModelSpec({ ...mlp, encoding: spec }).encoding).toEqual(spec);
    expect(() => parseModelSpec({ ...mlp, encoding: { kind: "pca", keep: 20 } })).toThrow(
      /fewer input directions than the model has inputs \(20\)/,
    );
    expect(() => parseModelSpec({ ...mlp, frozenLayers: 1, encoding: spec })).toThrow(/frozenLayers freezes/);
    const lenet = { kind: "lenet", inputShape: [28, 28, 1], numClasses: 10, seed: 1 };
    expect(() => parseModelSpec({ ...lenet, encoding: spec })).toThrow(/logreg or mlp, not of a lenet/);
  });
});
