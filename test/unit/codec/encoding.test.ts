import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  DEFAULT_ENCODING,
  createEncoding,
  encodingName,
  parseCompressFlag,
  parseEncodingSpec,
  type EncodingSpec,
  type UpdateEncoding,
} from "../../../client/src/codec/encoding";
import { frameOf, framedParamCount, packFrame, unpackFrame, weightDigits } from "../../../client/src/codec/frame";
import { layoutOf, minLaneBits, type CodecParams, type Layout } from "../../../client/src/codec/layout";
import { unpackWord } from "../../../client/src/codec/lanes";
import { roundSeed, seededStream, taskSeed, type RoundContext } from "../../../client/src/codec/sharedSeed";
import { codeOffset, stochasticCodes, stochasticStep, symmetricLevels } from "../../../client/src/codec/stochastic";
import { lowPassDctMap, randomKMap, signedHashMap, type LinearMap } from "../../../client/src/codec/transforms";
import { decodeAggregate, encodeUpdate } from "../../../client/src/codec/update";

const HASH_A = "0x" + "ab".repeat(32);
const HASH_B = "0x" + "cd".repeat(32);
const ctx = (round = 1, globalModelHash = HASH_A, taskId = 7n): RoundContext => ({ taskId, round, globalModelHash });

/** Lane-wise sum of every participant's words: what the contract's FHE.add computes (no lane carries). */
function sumWords(updates: bigint[][][]): bigint[] {
  const flat = updates.map((chunks) => chunks.flat());
  return flat[0].map((_, w) => flat.reduce((s, words) => s + words[w], 0n));
}

/** The task layout an encoding needs for a lane shape (what the planner does). */
function layoutFor(
  encoding: UpdateEncoding,
  shape: { valueBits: number; maxCohort: number; wordsPerChunk?: number; clip?: number; sampleCap?: number },
): Layout {
  const base = {
    valueBits: shape.valueBits,
    laneBits: minLaneBits(shape.valueBits, shape.maxCohort),
    wordsPerChunk: shape.wordsPerChunk ?? 4,
    clip: shape.clip ?? 0.5,
    sampleCap: shape.sampleCap ?? 0,
    weightFloor: 1,
  };
  return layoutOf({ ...base, paramCount: encoding.paramCount(base) }, shape.maxCohort);
}

const image = { offset: 0, height: 6, width: 5, channels: 2, units: 3 };
const D = image.height * image.width * image.channels * image.units + 7;

const specs: EncodingSpec[] = [
  { kind: "stochastic" },
  { kind: "randk", ratio: 3 },
  { kind: "hash", ratio: 2.5 },
  { kind: "dct", keep: 3 },
  { kind: "randk", ratio: 4, feedback: false },
  { kind: "hash", ratio: 3, feedback: false },
];
const encodings = specs.map((spec) => createEncoding(spec, { paramCount: D, imageLayer: image }));

const deltaArb = (d: number) =>
  fc.array(fc.double({ min: -0.3, max: 0.3, noNaN: true }), { minLength: d, maxLength: d });

describe("shared seed", () => {
  it("is a deterministic function of task id, round and the round's model commitment", () => {
    expect(roundSeed(ctx())).toBe(roundSeed(ctx()));
    const seeds = new Set([
      roundSeed(ctx()),
      roundSeed(ctx(2)),
      roundSeed(ctx(1, HASH_B)),
      roundSeed(ctx(1, HASH_A, 8n)),
    ]);
    expect(seeds.size).toBe(4);
    expect(taskSeed(7n)).not.toBe(taskSeed(8n));
    expect(() => roundSeed({ ...ctx(), globalModelHash: "0x12" })).toThrow(/bytes32/);
    expect(() => roundSeed({ ...ctx(), round: 0 })).toThrow(/round/);
  });

  it("gives the same stream to everyone, a separate stream per label, uniform in [0, 1)", () => {
    const a = seededStream(HASH_A, "x");
    const b = seededStream(HASH_A, "x");
    const c = seededStream(HASH_A, "y");
    const xs = Array.from({ length: 20000 }, () => a());
    expect(xs.slice(0, 100)).toEqual(Array.from({ length: 100 }, () => b()));
    expect(xs[0]).not.toBe(c());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
  });
});

describe("stochastic rounding", () => {
  it("keeps codes in [1, 2^b - 1] and every sent value within one step of the clamped input", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 1, maxLength: 64 }),
        fc.double({ min: 0.01, max: 2, noNaN: true }),
        fc.integer({ min: 2, max: 12 }),
        fc.integer(),
        (values, clip, bits, seed) => {
          const sent = new Float64Array(values.length);
          const codes = stochasticCodes(values, clip, bits, seededStream(roundSeed(ctx(1 + (seed >>> 1))), "t"), sent);
          const step = stochasticStep(clip, bits);
          values.forEach((x, i) => {
            expect(codes[i]).toBeGreaterThanOrEqual(1);
            expect(codes[i]).toBeLessThanOrEqual(2 ** bits - 1);
            expect(sent[i]).toBeCloseTo((codes[i] - codeOffset(bits)) * step, 12);
            const clamped = Math.min(Math.max(x, -clip), clip);
            expect(Math.abs(sent[i] - clamped)).toBeLessThan(step + 1e-12);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("is unbiased: the mean of many roundings converges to the value (ternary and 4-bit)", () => {
    for (const bits of [2, 4]) {
      const clip = 0.1;
      const step = stochasticStep(clip, bits);
      for (const x of [-0.093, -0.031, 0.0004, 0.047, 0.0999]) {
        const n = 40000;
        const sent = new Float64Array(n);
        stochasticCodes(new Float64Array(n).fill(x), clip, bits, seededStream(HASH_B, `u${bits}${x}`), sent);
        const mean = sent.reduce((s, v) => s + v, 0) / n;
        // 5 standard errors of a rounding whose spread is at most one step.
        expect(Math.abs(mean - x)).toBeLessThan((5 * step) / 2 / Math.sqrt(n));
      }
      expect(symmetricLevels(bits)).toBe(2 ** (bits - 1) - 1);
    }
  });
});

describe("frame", () => {
  const shapes = fc.record({
    valueBits: fc.integer({ min: 2, max: 12 }),
    maxCohort: fc.integer({ min: 1, max: 40 }),
    wordsPerChunk: fc.integer({ min: 1, max: 6 }),
    dimension: fc.integer({ min: 1, max: 400 }),
    weighted: fc.boolean(),
  });

  it("plans exactly the chain paramCount that carries the coordinates and the weight digits", () => {
    fc.assert(
      fc.property(shapes, (s) => {
        const laneBits = Math.max(minLaneBits(s.valueBits, s.maxCohort), s.valueBits + 1);
        const lanesPerWord = Math.floor(128 / laneBits);
        const digits = weightDigits(s.valueBits, s.weighted ? 100 : 0);
        fc.pre(s.wordsPerChunk * lanesPerWord - 1 > digits - 1);
        const shape = {
          valueBits: s.valueBits,
          laneBits,
          wordsPerChunk: s.wordsPerChunk,
          sampleCap: s.weighted ? 100 : 0,
        };
        const layout = layoutOf(
          { ...shape, paramCount: framedParamCount(s.dimension, shape), clip: 1, weightFloor: 1 },
          s.maxCohort,
        );
        expect(frameOf(layout).dimension).toBe(s.dimension);
      }),
    );
  });

  it("commutes with the sum: lane sums of packed frames are the exact code and weight sums (headroom n_max x (2^b - 1) < 2^L)", () => {
    fc.assert(
      fc.property(shapes, fc.integer(), (s, seed) => {
        const laneBits = Math.max(minLaneBits(s.valueBits, s.maxCohort), s.valueBits + 1);
        const shape = {
          valueBits: s.valueBits,
          laneBits,
          wordsPerChunk: s.wordsPerChunk,
          sampleCap: s.weighted ? 100 : 0,
        };
        const digits = weightDigits(s.valueBits, shape.sampleCap);
        fc.pre(s.wordsPerChunk * Math.floor(128 / laneBits) - 1 > digits - 1);
        const layout = layoutOf(
          { ...shape, paramCount: framedParamCount(s.dimension, shape), clip: 1, weightFloor: 1 },
          s.maxCohort,
        );
        const frame = frameOf(layout);
        expect(BigInt(s.maxCohort) * BigInt(layout.laneMax)).toBeLessThan(2n ** BigInt(laneBits));
        const rng = seededStream(roundSeed(ctx(1 + (seed >>> 1))), "frame");
        // The worst case: a full cohort of largest codes and weights.
        const participants = Array.from({ length: s.maxCohort }, (_, i) => ({
          weight: i === 0 ? frame.weightMax : Math.floor(rng() * (frame.weightMax + 1)),
          codes: Array.from({ length: s.dimension }, () =>
            i === 0 ? layout.laneMax : Math.floor(rng() * (layout.laneMax + 1)),
          ),
        }));
        const words = sumWords(participants.map((p) => packFrame(frame, p.weight, p.codes)));
        for (const w of words) expect(w).toBeLessThan(2n ** 128n);
        const n = participants.length;
        const sums = unpackFrame(frame, words, new Array(layout.chunkCount).fill(n));
        for (let j = 0; j < s.dimension; j++) {
          expect(sums.sums[j]).toBe(participants.reduce((t, p) => t + p.codes[j], 0));
        }
        const weightSum = participants.reduce((t, p) => t + p.weight, 0);
        const expected = s.weighted ? Math.max(weightSum, n * frame.weightFloor) / frame.weightMax : n;
        expect(sums.denominators[0]).toBeCloseTo(expected, 12);
        // Each lane of the summed words stays below 2^L: nothing carried into a neighbour.
        for (const w of words)
          for (const lane of unpackWord(w, layout)) expect(lane).toBeLessThanOrEqual(BigInt(n * layout.laneMax));
      }),
      { numRuns: 150 },
    );
  });
});

describe("shared linear maps", () => {
  const rng = () => seededStream(HASH_A, "maps");
  const maps: [string, LinearMap][] = [
    ["randomK", randomKMap(D, 31, rng())],
    ["signedHash", signedHashMap(D, 29, rng())],
    ["lowPassDct", lowPassDctMap(D, image, 3)],
  ];

  it.each(maps)("%s is linear with orthonormal rows and its adjoint is the transpose", (_, map) => {
    fc.assert(
      fc.property(
        deltaArb(D),
        deltaArb(D),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), {
          minLength: map.outputDimension,
          maxLength: map.outputDimension,
        }),
        (a, b, z) => {
          const fa = map.forward(a);
          const fb = map.forward(b);
          const fab = map.forward(a.map((x, i) => x + b[i]));
          fab.forEach((v, i) => expect(v).toBeCloseTo(fa[i] + fb[i], 10));
          // <F a, z> = <a, F^T z>
          const left = fa.reduce((s, v, i) => s + v * z[i], 0);
          const right = map.adjoint(z).reduce((s, v, i) => s + v * a[i], 0);
          expect(left).toBeCloseTo(right, 8);
          // F F^T z = z
          map.forward(map.adjoint(z)).forEach((v, i) => expect(v).toBeCloseTo(z[i], 6));
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("encodings", () => {
  it.each(encodings.map((e) => [e.name, e] as const))(
    "%s: decoding the lane sums is the weighted average of what each participant sent (sum-commutation)",
    (_, encoding) => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(deltaArb(D), fc.integer({ min: 1, max: 200 })), { minLength: 1, maxLength: 6 }),
          fc.integer({ min: 2, max: 6 }),
          fc.boolean(),
          (participants, valueBits, weighted) => {
            const layout = layoutFor(encoding, {
              valueBits,
              maxCohort: 6,
              sampleCap: weighted ? 150 : 0,
              wordsPerChunk: 2,
            });
            const c = ctx(3);
            const encoded = participants.map(([delta, samples], i) =>
              encoding.encode({ delta, layout, ctx: c, samples, dither: seededStream(HASH_B, `p${i}`) }),
            );
            const n = participants.length;
            const contributors = new Array(layout.chunkCount).fill(n);
            const decoded = encoding.decode(sumWords(encoded.map((e) => e.chunks)), contributors, layout, c);
            // Each participant decoded alone, weighted by its own weight, then averaged.
            const ones = new Array(layout.chunkCount).fill(1);
            const weights = participants.map(([, samples]) =>
              weighted
                ? Math.max(
                    Math.round((Math.min(samples, 150) / 150) * frameOf(layout).weightMax),
                    frameOf(layout).weightFloor,
                  )
                : 1,
            );
            const total = weights.reduce((s, w) => s + w, 0);
            const alone = encoded.map((e) => encoding.decode(e.chunks.flat(), ones, layout, c));
            decoded.forEach((v, j) => {
              const expected = alone.reduce((s, a, i) => s + a[j] * weights[i], 0) / total;
              expect(v).toBeCloseTo(expected, 9);
            });
          },
        ),
        { numRuns: 20 },
      );
    },
  );

  it.each(encodings.map((e) => [e.name, e] as const))(
    "%s: decoding is a deterministic function of public data and the sums",
    (_, encoding) => {
      const layout = layoutFor(encoding, { valueBits: 3, maxCohort: 8 });
      const delta = Array.from({ length: D }, (_, i) => Math.sin(i) * 0.2);
      const words = encoding.encode({ delta, layout, ctx: ctx(2), dither: seededStream(HASH_A, "d") }).chunks.flat();
      // A decoder built from the same spec elsewhere (a fresh instance) gets the same bits.
      const other = createEncoding(encoding.spec, { paramCount: D, imageLayer: image });
      const a = encoding.decode(words, new Array(layout.chunkCount).fill(1), layout, ctx(2));
      const b = other.decode(words, new Array(layout.chunkCount).fill(1), layout, ctx(2));
      expect(Buffer.from(a.buffer)).toEqual(Buffer.from(b.buffer));
      if (encoding.spec.kind === "randk" || encoding.spec.kind === "hash") {
        // The map is the round's: another round (or another committed model) decodes the same words differently.
        expect(encoding.decode(words, new Array(layout.chunkCount).fill(1), layout, ctx(3))).not.toEqual(a);
        expect(encoding.decode(words, new Array(layout.chunkCount).fill(1), layout, ctx(2, HASH_B))).not.toEqual(a);
      }
    },
  );

  it("stochastic rounding makes the decoded update unbiased (identity and a fixed map: E = F^T F delta)", () => {
    for (const encoding of [encodings[0], encodings[3]]) {
      const layout = layoutFor(encoding, { valueBits: 4, maxCohort: 8, clip: 1 });
      const delta = Array.from({ length: D }, (_, i) => 0.05 * Math.cos(i * 0.7));
      const trials = 400;
      const mean = new Float64Array(D);
      for (let t = 0; t < trials; t++) {
        // No residual carried between trials: each is an independent first round.
        const words = encoding
          .encode({ delta, layout, ctx: ctx(4), dither: seededStream(HASH_A, `t${t}`) })
          .chunks.flat();
        encoding
          .decode(words, new Array(layout.chunkCount).fill(1), layout, ctx(4))
          .forEach((v, j) => (mean[j] += v / trials));
      }
      const map = lowPassOrIdentity(encoding);
      const expected = map.adjoint(map.forward(delta));
      // 5 standard errors of a rounding whose spread is at most one step (1/7), spread over the map.
      mean.forEach((v, j) => expect(Math.abs(v - expected[j])).toBeLessThan(0.02));
    }
  });

  it("rotating maps without feedback are unbiased over rounds (rescaled by d / m)", () => {
    for (const encoding of [encodings[4], encodings[5]]) {
      const layout = layoutFor(encoding, { valueBits: 8, maxCohort: 8, clip: 1 });
      const delta = Array.from({ length: D }, (_, i) => 0.05 * Math.cos(i * 0.7));
      const rounds = 600;
      const mean = new Float64Array(D);
      for (let r = 1; r <= rounds; r++) {
        const words = encoding
          .encode({ delta, layout, ctx: ctx(r), dither: seededStream(HASH_A, `r${r}`) })
          .chunks.flat();
        encoding
          .decode(words, new Array(layout.chunkCount).fill(1), layout, ctx(r))
          .forEach((v, j) => (mean[j] += v / rounds));
      }
      mean.forEach((v, j) => expect(Math.abs(v - delta[j])).toBeLessThan(0.03));
    }
  });

  it.each(encodings.filter((e) => e.feedback).map((e) => [e.name, e] as const))(
    "%s: error feedback loses nothing over rounds (sent + residual = everything given)",
    (_, encoding) => {
      const layout = layoutFor(encoding, { valueBits: 3, maxCohort: 4, clip: 0.2 });
      let feedback: Float32Array | undefined;
      const given = new Float64Array(D);
      const applied = new Float64Array(D);
      for (let round = 1; round <= 5; round++) {
        const delta = Array.from({ length: D }, (_, i) => 0.3 * Math.sin(i * round));
        delta.forEach((x, i) => (given[i] += x));
        const c = ctx(round, round % 2 ? HASH_A : HASH_B);
        const out = encoding.encode({ delta, layout, ctx: c, feedback, dither: seededStream(HASH_B, `r${round}`) });
        feedback = out.feedback;
        encoding
          .decode(out.chunks.flat(), new Array(layout.chunkCount).fill(1), layout, c)
          .forEach((v, j) => (applied[j] += v));
      }
      // Fixed maps keep the residual in compressed space: compare there; rotating maps in model space.
      const residual = Float64Array.from(feedback!);
      if (residual.length === D) {
        applied.forEach((v, j) => expect(v + residual[j]).toBeCloseTo(given[j], 4));
      } else {
        const map = lowPassOrIdentity(encoding);
        const g = map.forward(given);
        const a = map.forward(applied);
        a.forEach((v, j) => expect(v + residual[j]).toBeCloseTo(g[j], 4));
      }
    },
  );

  it("quant is today's codec, bit for bit", () => {
    const encoding = createEncoding(DEFAULT_ENCODING, { paramCount: 200 });
    const params: CodecParams = {
      valueBits: 8,
      laneBits: 12,
      wordsPerChunk: 8,
      paramCount: 200,
      clip: 0.5,
      sampleCap: 40,
      weightFloor: 1,
    };
    const layout = layoutOf(params, 16);
    const delta = Array.from({ length: 200 }, (_, i) => Math.sin(i) * 0.4);
    const chunks = encoding.encode({ delta, layout, ctx: ctx(), samples: 17 }).chunks;
    expect(chunks).toEqual(encodeUpdate(delta, layout, { samples: 17 }));
    expect(encoding.decode(chunks.flat(), [1, 1, 1], layout, ctx())).toEqual(
      decodeAggregate(chunks.flat(), [1, 1, 1], layout),
    );
    expect(encoding.paramCount(params)).toBe(200);
  });

  it("refuses a task whose lanes do not carry the encoding's coordinates", () => {
    const encoding = encodings[3];
    const layout = layoutFor(encoding, { valueBits: 3, maxCohort: 4 });
    const wrong = layoutOf({ ...layout, paramCount: layout.paramCount + 1 }, 4);
    expect(() => encoding.checkLayout(wrong)).toThrow(/paramCount must be/);
    expect(() => encoding.encode({ delta: new Array(D - 1).fill(0), layout, ctx: ctx() })).toThrow(/parameters/);
    expect(() => encoding.encode({ delta: [NaN, ...new Array(D - 1).fill(0)], layout, ctx: ctx() })).toThrow(/finite/);
  });
});

function lowPassOrIdentity(encoding: UpdateEncoding): LinearMap {
  if (encoding.spec.kind === "dct") return lowPassDctMap(D, image, encoding.spec.keep!);
  return {
    inputDimension: D,
    outputDimension: D,
    forward: (x) => Float64Array.from(x),
    adjoint: (z) => Float64Array.from(z),
  };
}

describe("encoding specs", () => {
  it("parses and validates specs and --compress flags", () => {
    expect(parseCompressFlag("dct:10")).toEqual({ kind: "dct", keep: 10 });
    expect(parseCompressFlag("hash:5-nofb")).toEqual({ kind: "hash", ratio: 5, feedback: false });
    expect(parseCompressFlag("none")).toEqual(DEFAULT_ENCODING);
    expect(parseCompressFlag("stochastic")).toEqual({ kind: "stochastic" });
    expect(encodingName({ kind: "randk", ratio: 4 })).toBe("randk:4");
    expect(() => parseCompressFlag("zip")).toThrow(/kind must be one of/);
    expect(() => parseCompressFlag("hash")).toThrow(/ratio/);
    expect(() => parseEncodingSpec({ kind: "dct", keep: 0 })).toThrow(/keep/);
    expect(() => parseEncodingSpec({ kind: "dct", keep: 4, ratio: 3 })).toThrow(/takes no "ratio"/);
    expect(() => parseEncodingSpec({ kind: "quant", feedback: true })).toThrow(/no error feedback/);
    expect(() => createEncoding({ kind: "dct", keep: 4 }, { paramCount: 100 })).toThrow(/image/);
  });
});
