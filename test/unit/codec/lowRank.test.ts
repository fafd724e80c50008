import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createEncoding, encodingName, parseCompressFlag, parseEncodingSpec } from "../../../client/src/codec/encoding";
import { layoutOf, minLaneBits } from "../../../client/src/codec/layout";
import {
  lowRankDimension,
  lowRankFits,
  lowRankMap,
  orthonormalBasis,
  type FactorSource,
  type WeightMatrix,
} from "../../../client/src/codec/lowRank";
import { modelChange, seededStream, type RoundContext } from "../../../client/src/codec/sharedSeed";

const HASH = "0x" + "ab".repeat(32);
const rng = (label = "lowrank") => seededStream(HASH, label);
/** The factors follow `change`; without one, random directions. */
const after = (change?: ArrayLike<number>): FactorSource => ({ change, firstFactor: "random" });

// A 12 x 5 kernel, 5 loose parameters, a 3 x 20 kernel (fits rank 1 only), a 2 x 9 kernel (too narrow), 4 more.
const matrices: WeightMatrix[] = [
  { offset: 0, rows: 12, cols: 5 },
  { offset: 65, rows: 3, cols: 20 },
  { offset: 125, rows: 2, cols: 9 },
];
const D = 125 + 18 + 4;

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const vector = (d: number, seed: string): Float64Array => {
  const r = rng(seed);
  return Float64Array.from({ length: d }, () => r() - 0.5);
};
/** A flat model vector that is zero but for an outer product u v^T in matrix w. */
function outer(w: WeightMatrix, u: ArrayLike<number>, v: ArrayLike<number>): Float64Array {
  const x = new Float64Array(D);
  for (let i = 0; i < w.rows; i++) for (let j = 0; j < w.cols; j++) x[w.offset + i * w.cols + j] = u[i] * v[j];
  return x;
}

describe("low-rank projections", () => {
  it("send rank x the larger side for every matrix wide enough, everything else as it is, in both parities", () => {
    expect(matrices.map((w) => lowRankFits(w, 1))).toEqual([true, true, false]);
    expect(matrices.map((w) => lowRankFits(w, 2))).toEqual([true, false, false]);
    expect(lowRankDimension(D, matrices, 1)).toBe(D - 60 + 12 - 60 + 20);
    expect(lowRankDimension(D, matrices, 2)).toBe(D - 60 + 24);
    for (const round of [1, 2, 3]) {
      const change = round > 1 ? vector(D, "change") : undefined;
      expect(lowRankMap(D, matrices, 2, round, after(change), rng()).outputDimension).toBe(D - 60 + 24);
    }
  });

  it("are linear projections whose adjoint is the transpose, in every round", () => {
    for (const round of [1, 2, 3, 4]) {
      const map = lowRankMap(D, matrices, 1, round, after(round > 1 ? vector(D, `c${round}`) : undefined), rng());
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1000 }), (seed) => {
          const a = vector(D, `a${seed}`);
          const b = vector(D, `b${seed}`);
          const z = vector(map.outputDimension, `z${seed}`);
          const fab = map.forward(a.map((x, i) => x + b[i]));
          const fa = map.forward(a);
          const fb = map.forward(b);
          fab.forEach((v, i) => expect(v).toBeCloseTo(fa[i] + fb[i], 12));
          expect(dot(fa, z)).toBeCloseTo(dot(a, map.adjoint(z)), 10);
          // F^T F is a projection: applying it twice changes nothing.
          const once = map.adjoint(fa);
          map.adjoint(map.forward(once)).forEach((v, i) => expect(v).toBeCloseTo(once[i], 10));
        }),
        { numRuns: 10 },
      );
    }
  });

  it("track the previous change: an update in the subspace that change opened passes whole, on either side", () => {
    const w = matrices[0];
    const u = vector(w.rows, "u");
    const v = vector(w.cols, "v");
    const change = outer(w, u, vector(w.cols, "v0")); // last round moved the matrix along u
    // Round 2 projects the larger side (rows): its factor holds u, so any update u v'^T is kept exactly.
    const even = lowRankMap(D, matrices, 1, 2, after(change), rng());
    const m = outer(w, u, v);
    even.adjoint(even.forward(m)).forEach((x, i) => expect(x).toBeCloseTo(m[i], 10));
    // Round 3 projects the smaller side (cols): a change along v keeps every update u' v^T.
    const odd = lowRankMap(D, matrices, 1, 3, after(outer(w, vector(w.rows, "u0"), v)), rng());
    const m2 = outer(w, vector(w.rows, "u2"), v);
    odd.adjoint(odd.forward(m2)).forEach((x, i) => expect(x).toBeCloseTo(m2[i], 10));
    // Without the change the same update loses most of its energy in a random subspace.
    const blind = lowRankMap(D, matrices, 1, 3, after(), rng());
    const kept = blind.adjoint(blind.forward(m2));
    expect(dot(kept, kept)).toBeLessThan(0.8 * dot(m2, m2));
  });

  it("with the kernel fill keep an update in the round's kernel's column space whole on the larger side", () => {
    // A 40 x 6 kernel at rank 2: even rounds send 13 directions of the 40-row side, 2 of them tracked.
    const wide: WeightMatrix[] = [{ offset: 0, rows: 40, cols: 6 }];
    const d = 240;
    const kernel = vector(d, "kernel");
    const change = vector(d, "change0");
    const update = Float64Array.from({ length: d }, (_, k) => kernel[k] * vector(d, "scale")[k % 6]);
    const kept = (source: FactorSource) => {
      const map = lowRankMap(d, wide, 2, 2, source, rng());
      return map.adjoint(map.forward(update));
    };
    // Its columns are combinations of the kernel's columns: the kernel's 6 directions hold all of it.
    kept({ change, model: kernel, firstFactor: "downstream", fill: "kernel" }).forEach((x, i) =>
      expect(x).toBeCloseTo(update[i], 9),
    );
    const blind = kept({ change, model: kernel, firstFactor: "downstream" });
    expect(dot(blind, blind)).toBeLessThan(0.6 * dot(update, update));
    // Odd rounds project the smaller side as before: the fill changes nothing there.
    const odd = (fill?: "kernel") =>
      lowRankMap(d, wide, 2, 3, { change, model: kernel, firstFactor: "downstream", fill }, rng()).forward(update);
    expect(odd("kernel")).toEqual(odd());
  });

  it("are bit-identical wherever they are built from the same public data", () => {
    const change = vector(D, "change");
    const x = vector(D, "x");
    const a = lowRankMap(D, matrices, 2, 4, after(change), rng()).forward(x);
    const b = lowRankMap(D, matrices, 2, 4, after(Float64Array.from(change)), rng()).forward(Float64Array.from(x));
    expect(Buffer.from(a.buffer)).toEqual(Buffer.from(b.buffer));
    expect(lowRankMap(D, matrices, 2, 4, after(change), rng("other")).forward(x)).not.toEqual(a);
  });

  it("build an orthonormal basis that starts with the candidates and fills up from the stream", () => {
    const c1 = Float64Array.from([3, 4, 0, 0]);
    const basis = orthonormalBasis(4, 3, [c1, Float64Array.from([6, 8, 0, 0]), new Float64Array(4)], rng());
    expect(basis).toHaveLength(3);
    expect([...basis[0]]).toEqual([0.6, 0.8, 0, 0]);
    for (const p of basis) for (const q of basis) expect(dot(p, q)).toBeCloseTo(p === q ? 1 : 0, 12);
  });

  it("refuse matrices outside the model and a change of the wrong length", () => {
    expect(() => lowRankMap(10, [{ offset: 5, rows: 2, cols: 3 }], 1, 1, after(), rng())).toThrow(/does not fit 10/);
    expect(() => lowRankMap(D, matrices, 1, 2, after(new Float64Array(3)), rng())).toThrow(/model change has 3 values/);
    const short = { model: new Float64Array(4), firstFactor: "downstream" } as const;
    expect(() => lowRankMap(D, matrices, 1, 1, short, rng())).toThrow(/round's model has 4 values/);
  });

  describe("with the downstream start", () => {
    // A 20 x 6 kernel (fits rank 1) feeding a 6 x 6 one (its outputs are the smaller side in no round) and a
    // 6 x 1 output kernel (too narrow), then 3 loose parameters.
    const net: WeightMatrix[] = [
      { offset: 0, rows: 20, cols: 6 },
      { offset: 120, rows: 6, cols: 6 },
      { offset: 156, rows: 6, cols: 1 },
    ];
    const d = 165;
    const place = (w: WeightMatrix, u: ArrayLike<number>, v: ArrayLike<number>): Float64Array => {
      const x = new Float64Array(d);
      for (let i = 0; i < w.rows; i++) for (let j = 0; j < w.cols; j++) x[w.offset + i * w.cols + j] = u[i] * v[j];
      return x;
    };
    // The model: a full-rank middle kernel W2 and an output kernel c. Errors back-propagated into the first
    // kernel's outputs lie along W2 c, the product of the kernels downstream.
    const w2 = vector(36, "middle");
    const c = vector(6, "output");
    const model = place(net[2], c, [1]);
    w2.forEach((x, i) => (model[120 + i] = x));
    const downstream = Float64Array.from({ length: 6 }, (_, r) => dot(w2.subarray(6 * r, 6 * r + 6), c));
    const update = place(net[0], vector(20, "inputs"), downstream);
    const kept = (map: ReturnType<typeof lowRankMap>, x: Float64Array) => map.adjoint(map.forward(x));

    it("keeps round 1's update whole when it lies along the product of the kernels downstream", () => {
      const primed = lowRankMap(d, net, 1, 1, { model, firstFactor: "downstream" }, rng());
      kept(primed, update).forEach((x, i) => expect(x).toBeCloseTo(update[i], 10));
      // Random first factors, a start without the model and the next kernel alone keep far less of it.
      const nextOnly = net.slice(0, 2);
      for (const [matrices, source] of [
        [net, after()],
        [net, { firstFactor: "downstream" }],
        [net, { model, firstFactor: "random" }],
        [nextOnly, { model, firstFactor: "downstream" }],
      ] as const) {
        const k = kept(lowRankMap(d, matrices, 1, 1, source, rng()), update);
        expect(dot(k, k)).toBeLessThan(0.8 * dot(update, update));
      }
    });

    it("follows the previous change once there is one, and takes nothing from a kernel that is not fed", () => {
      const v = vector(6, "moved");
      const change = place(net[0], vector(20, "before"), v);
      const along = place(net[0], vector(20, "later"), v);
      const map = lowRankMap(d, net, 1, 3, { change, model, firstFactor: "downstream" }, rng());
      kept(map, along).forEach((x, i) => expect(x).toBeCloseTo(along[i], 10));
      // The 12 x 5 kernel of `matrices` feeds a 3 x 20 one: rows 3 are not its 5 outputs, so no prior is taken.
      const unfed = { model: vector(D, "model"), firstFactor: "downstream" } as const;
      const x = vector(D, "x");
      expect(lowRankMap(D, matrices, 1, 1, unfed, rng()).forward(x)).toEqual(
        lowRankMap(D, matrices, 1, 1, after(), rng()).forward(x),
      );
    });
  });
});

describe("the lowrank encoding", () => {
  const spec = parseCompressFlag("lowrank:1");
  const encoding = createEncoding(spec, { paramCount: D, matrices });
  const random = createEncoding(parseCompressFlag("lowrank:1-random"), { paramCount: D, matrices });
  const base = { valueBits: 3, laneBits: minLaneBits(3, 4), wordsPerChunk: 2, clip: 0.5, sampleCap: 0, weightFloor: 1 };
  const layout = layoutOf({ ...base, paramCount: encoding.paramCount(base) }, 4);
  const model = vector(D, "w2");
  const ctx = (round: number, change?: ArrayLike<number>): RoundContext => ({
    taskId: 3n,
    round,
    globalModelHash: HASH,
    modelChange: change,
    model,
  });

  it("is parsed from flags and specs, and needs feedback and a wide enough matrix", () => {
    expect(spec).toEqual({ kind: "lowrank", rank: 1, firstFactor: "downstream" });
    expect(encoding.name).toBe("lowrank:1");
    expect(encoding.tracksModelChange).toBe(true);
    expect(encoding.needsFirstRoundModel).toBe(true);
    // A spec without firstFactor (every lowrank task before the downstream start) keeps random first factors.
    expect(parseEncodingSpec({ kind: "lowrank", rank: 1 })).toEqual({ kind: "lowrank", rank: 1 });
    expect(parseEncodingSpec({ kind: "lowrank", rank: 1, firstFactor: "random" })).toEqual({
      kind: "lowrank",
      rank: 1,
    });
    expect(random.name).toBe("lowrank:1-random");
    expect(random.needsFirstRoundModel).toBe(false);
    expect(parseCompressFlag(random.name)).toEqual(random.spec);
    expect(parseCompressFlag(encoding.name)).toEqual(spec);
    expect(() => parseCompressFlag("hash:4-random")).toThrow(/only lowrank takes -random/);
    expect(() => parseEncodingSpec({ kind: "lowrank", rank: 1, firstFactor: "pca" })).toThrow(
      /firstFactor must be one of random, downstream, got "pca"/,
    );
    expect(() => parseEncodingSpec({ kind: "hash", ratio: 4, firstFactor: "random" })).toThrow(
      /takes no "firstFactor"/,
    );
    expect(encoding.dimension).toBe(lowRankDimension(D, matrices, 1));
    expect(() => parseCompressFlag("lowrank:4-nofb")).toThrow(/needs error feedback/);
    expect(() => parseEncodingSpec({ kind: "lowrank" })).toThrow(/needs rank/);
    expect(() => parseEncodingSpec({ kind: "lowrank", rank: 2, ratio: 3 })).toThrow(/takes no "ratio"/);
    expect(() => createEncoding({ kind: "lowrank", rank: 3 }, { paramCount: D, matrices })).toThrow(
      /compresses no matrix of this model .*use a rank below 3/,
    );
    expect(() => createEncoding({ kind: "lowrank", rank: 1 }, { paramCount: D })).toThrow(/compresses no matrix/);
  });

  it("decodes the lane sums as the average of what each participant sent, and says what a later round needs", () => {
    const change = modelChange(vector(D, "w1"), vector(D, "w2"));
    const deltas = [0, 1, 2].map((i) => vector(D, `delta${i}`).map((x) => x * 0.4));
    const encoded = deltas.map((delta, i) =>
      encoding.encode({ delta, layout, ctx: ctx(2, change), dither: seededStream(HASH, `p${i}`) }),
    );
    expect(encoded[0].feedback).toHaveLength(D);
    const words = encoded[0].chunks.flat().map((_, w) => encoded.reduce((s, e) => s + e.chunks.flat()[w], 0n));
    const all = new Array(layout.chunkCount).fill(3);
    const one = new Array(layout.chunkCount).fill(1);
    const decoded = encoding.decode(words, all, layout, ctx(2, change));
    const alone = encoded.map((e) => encoding.decode(e.chunks.flat(), one, layout, ctx(2, change)));
    decoded.forEach((v, j) => expect(v).toBeCloseTo((alone[0][j] + alone[1][j] + alone[2][j]) / 3, 9));
    expect(() => encoding.decode(words, all, layout, ctx(2))).toThrow(
      /needs round 1's model as well as round 2's .*on-chain commitment/,
    );
    expect(() => encoding.encode({ delta: deltas[0], layout, ctx: ctx(5) })).toThrow(/needs round 4's model/);
  });

  it("takes the kernel fill from a flag or a spec, and needs the round's model after round 1", () => {
    const kernelSpec = parseCompressFlag("lowrank:1-kernel");
    expect(kernelSpec).toEqual({ kind: "lowrank", rank: 1, firstFactor: "downstream", fill: "kernel" });
    const filled = createEncoding(kernelSpec, { paramCount: D, matrices });
    expect(filled.name).toBe("lowrank:1-kernel");
    for (const flag of ["lowrank:1-random-kernel", "lowrank:2-kernel"]) {
      expect(encodingName(parseCompressFlag(flag))).toBe(flag);
    }
    expect(parseEncodingSpec({ kind: "lowrank", rank: 1, fill: "random" })).toEqual({ kind: "lowrank", rank: 1 });
    expect(() => parseCompressFlag("hash:4-kernel")).toThrow(/only lowrank takes -kernel/);
    expect(() => parseEncodingSpec({ kind: "lowrank", rank: 1, fill: "pca" })).toThrow(
      /fill must be one of random, kernel, got "pca"/,
    );
    expect(() => parseEncodingSpec({ kind: "stochastic", fill: "kernel" })).toThrow(/takes no "fill"/);
    const change = modelChange(vector(D, "w1"), vector(D, "w2"));
    const delta = vector(D, "delta").map((x) => x * 0.4);
    const without = { ...ctx(2, change), model: undefined };
    expect(() => filled.encode({ delta, layout, ctx: without })).toThrow(
      /lowrank:1-kernel needs round 2's model \(its larger factors follow the round's kernels\)/,
    );
    expect(() => encoding.encode({ delta, layout, ctx: without })).not.toThrow();
    // The same words decode with the same map on every side, and differently from the random fill's.
    const words = filled.encode({ delta, layout, ctx: ctx(2, change), dither: seededStream(HASH, "p") }).chunks.flat();
    const one = new Array(layout.chunkCount).fill(1);
    expect(filled.decode(words, one, layout, ctx(2, change))).toEqual(
      filled.decode(words, one, layout, ctx(2, change)),
    );
    expect(filled.decode(words, one, layout, ctx(2, change))).not.toEqual(
      encoding.decode(words, one, layout, ctx(2, change)),
    );
  });

  it("reads the round's model in round 1 with the downstream start, and says so when it is missing", () => {
    const delta = vector(D, "delta").map((x) => x * 0.4);
    const { chunks } = encoding.encode({ delta, layout, ctx: ctx(1), dither: seededStream(HASH, "p") });
    const one = new Array(layout.chunkCount).fill(1);
    const without = { ...ctx(1), model: undefined };
    expect(() => encoding.decode(chunks.flat(), one, layout, without)).toThrow(
      /lowrank:1 needs round 1's model \(its first factors follow the kernels downstream in it\)/,
    );
    expect(() => encoding.encode({ delta, layout, ctx: without })).toThrow(/needs round 1's model/);
    // The random start needs no model in round 1.
    expect(() => random.encode({ delta, layout, ctx: without })).not.toThrow();
  });
});
