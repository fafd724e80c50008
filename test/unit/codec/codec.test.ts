import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  CodecError,
  assertHeadroom,
  contributionWeight,
  decodeAggregate,
  dequantize,
  encodeUpdate,
  layoutOf,
  minLaneBits,
  packWord,
  quantStep,
  quantize,
  unpackWord,
  type CodecParams,
} from "../../../client/src/codec";
import { chooseCodec, planSubmission } from "../../../client/src/protocol/plan";
import { DEFAULT_COSTS, maxWordsPerTx } from "../../../client/src/protocol/prices";
import { SMALL_CODEC } from "../../shared/codecs";

const base: CodecParams = SMALL_CODEC;

/** Arbitrary valid (valueBits, laneBits, maxCohort) with enough headroom. */
const laneSettings = fc
  .record({ valueBits: fc.integer({ min: 2, max: 16 }), maxCohort: fc.integer({ min: 1, max: 64 }) })
  .map(({ valueBits, maxCohort }) => ({ valueBits, maxCohort, laneBits: minLaneBits(valueBits, maxCohort) }));

describe("quantize", () => {
  it("round-trips within half a step (a full step at the top code) after clipping", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 64 }),
        fc.double({ min: 0.001, max: 5, noNaN: true }),
        fc.integer({ min: 2, max: 16 }),
        (values, clip, bits) => {
          const decoded = dequantize(quantize(values, clip, bits), clip, bits);
          const step = quantStep(clip, bits);
          values.forEach((x, i) => {
            const clipped = Math.min(Math.max(x, -clip), clip);
            expect(Math.abs(decoded[i] - clipped)).toBeLessThanOrEqual(step + 1e-12);
            expect(decoded[i]).toBeGreaterThanOrEqual(-clip - 1e-12);
            expect(decoded[i]).toBeLessThan(clip);
          });
        },
      ),
    );
  });

  it("keeps codes inside b bits and is deterministic in nearest mode", () => {
    const codes = quantize([-1, -0.5, 0, 0.25, 0.5, 1], 0.5, 8);
    expect([...codes]).toEqual([0, 0, 128, 192, 255, 255]);
  });

  it("stochastic rounding is seeded and unbiased", () => {
    const x = new Float64Array(20000).fill(0.3 * quantStep(1, 8));
    const a = quantize(x, 1, 8, { mode: "stochastic", seed: 7 });
    const b = quantize(x, 1, 8, { mode: "stochastic", seed: 7 });
    expect(a).toEqual(b);
    const mean = dequantize(a, 1, 8).reduce((s, v) => s + v, 0) / x.length;
    expect(mean / quantStep(1, 8)).toBeCloseTo(0.3, 1);
  });

  it("rejects NaN, Infinity and bad settings with clear errors", () => {
    expect(() => quantize([0, NaN], 1, 8)).toThrow(/index 1 is NaN/);
    expect(() => quantize([Infinity], 1, 8)).toThrow(/index 0 is Infinity/);
    expect(() => quantize([0], 0, 8)).toThrow(/clip must be a finite number > 0/);
    expect(() => quantize([0], 1, 1)).toThrow(/valueBits must be an integer in \[2, 32\]/);
  });
});

describe("lanes", () => {
  it("pack/unpack round-trips any lane values", () => {
    fc.assert(
      fc.property(laneSettings, fc.infiniteStream(fc.nat()), ({ laneBits }, stream) => {
        const layout = { laneBits, lanesPerWord: Math.floor(128 / laneBits) };
        const lanes = [...stream.take(layout.lanesPerWord)].map((v) => BigInt(v % 2 ** Math.min(laneBits, 30)));
        expect(unpackWord(packWord(lanes, layout), layout)).toEqual(lanes);
      }),
    );
  });

  it("sums of up to maxCohort packed words never carry across lanes", () => {
    fc.assert(
      fc.property(laneSettings, fc.integer({ min: 0, max: 2 ** 31 }), ({ valueBits, laneBits, maxCohort }, seed) => {
        const layout = { laneBits, lanesPerWord: Math.floor(128 / laneBits) };
        const max = 2 ** valueBits - 1;
        let state = seed;
        const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
        const contributions = Array.from({ length: maxCohort }, (_, c) =>
          // the first contributor is all-ones, the worst case for carries
          Array.from({ length: layout.lanesPerWord }, () => BigInt(c === 0 ? max : next() % (max + 1))),
        );
        const sum = contributions.reduce((s, lanes) => s + packWord(lanes, layout), 0n);
        const expected = contributions[0].map((_, j) => contributions.reduce((s, lanes) => s + lanes[j], 0n));
        expect(sum < 2n ** 128n).toBe(true);
        expect(unpackWord(sum, layout)).toEqual(expected);
      }),
    );
  });

  it("one contributor more than the headroom allows is rejected", () => {
    expect(() => assertHeadroom(8, 12, 16)).not.toThrow();
    expect(() => assertHeadroom(8, 12, 17)).toThrow(/laneBits >= 13/);
    expect(minLaneBits(8, 16)).toBe(12);
    expect(minLaneBits(8, 17)).toBe(13);
    expect(minLaneBits(8, 1)).toBe(8);
  });
});

describe("layout", () => {
  it("reserves slot 0 of each chunk for the weight and shortens the last chunk", () => {
    const layout = layoutOf(base, 16);
    expect(layout.lanesPerWord).toBe(10);
    expect(layout.paramsPerChunk).toBe(79);
    expect(layout.chunkCount).toBe(3);
    expect(layout.wordCount).toBe(8 + 8 + Math.ceil((200 - 158 + 1) / 10));
    expect(layout.laneMask).toBe(
      Array.from({ length: 10 }, (_, j) => 255n << BigInt(12 * j)).reduce((a, b) => a | b, 0n),
    );
  });

  it("rejects out-of-range settings", () => {
    const bad: [Partial<CodecParams>, RegExp][] = [
      [{ valueBits: 40 }, /valueBits/],
      [{ laneBits: 8 }, /laneBits/],
      [{ laneBits: 129 }, /laneBits/],
      [{ wordsPerChunk: 0 }, /wordsPerChunk/],
      [{ wordsPerChunk: 1, laneBits: 100 }, /no room for parameters/],
      [{ paramCount: 0 }, /paramCount/],
      [{ paramCount: 1.5 }, /paramCount/],
      [{ clip: NaN }, /clip/],
      [{ clip: -1 }, /clip/],
      [{ weightFloor: 0 }, /weightFloor/],
      [{ weightFloor: 256 }, /weightFloor/],
    ];
    for (const [patch, message] of bad) expect(() => layoutOf({ ...base, ...patch })).toThrow(message);
    expect(() => layoutOf(base, 17)).toThrow(CodecError);
  });
});

describe("encode and decode", () => {
  const mean = (rows: Float64Array[], clip: number) =>
    rows[0].map((_, i) => rows.reduce((s, r) => s + Math.min(Math.max(r[i], -clip), clip), 0) / rows.length);

  it("decoding the lane sums of n updates gives their mean within one step", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 1000 }),
        (paramCount, n, seed) => {
          const layout = layoutOf({ ...base, paramCount, wordsPerChunk: 4 }, 16);
          let state = seed;
          const random = () => ((state = (state * 16807) % 2147483647) / 2147483647) * 2 - 1;
          const deltas = Array.from({ length: n }, () =>
            Float64Array.from({ length: paramCount }, () => random() * 0.7),
          );
          const encoded = deltas.map((d) => encodeUpdate(d, layout).flat());
          const sums = encoded[0].map((_, w) => encoded.reduce((s, e) => s + e[w], 0n));
          const decoded = decodeAggregate(sums, Array(layout.chunkCount).fill(n), layout);
          const expected = mean(deltas, layout.clip);
          decoded.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(quantStep(0.5, 8)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("uses each chunk's own contributor count (a participant that dropped out half-way)", () => {
    const layout = layoutOf(base, 16);
    const a = new Float64Array(200).fill(0.25);
    const b = new Float64Array(200).fill(-0.25);
    const [ea, eb] = [encodeUpdate(a, layout), encodeUpdate(b, layout)];
    // b submitted only chunk 0
    const words = ea.flatMap((chunk, c) => chunk.map((w, i) => (c === 0 ? w + eb[0][i] : w)));
    const decoded = decodeAggregate(words, [2, 1, 1], layout);
    expect(decoded[0]).toBeCloseTo(0, 10);
    expect(decoded[100]).toBeCloseTo(0.25, 10);
  });

  it("weights by sample count, never exceeding the clip bound per contributor", () => {
    const layout = layoutOf({ ...base, sampleCap: 100, weightFloor: 10 }, 16);
    expect(contributionWeight(layout, 100)).toEqual({ code: 255, factor: 1 });
    expect(contributionWeight(layout, 5000).code).toBe(255);
    expect(contributionWeight(layout, 1).code).toBe(10); // floor
    expect(() => contributionWeight(layout, 0)).toThrow(/sample count/);
    const unweighted = layoutOf(base, 16);
    expect(contributionWeight(unweighted, 3)).toEqual({ code: 255, factor: 1 });
  });

  it("rejects wrong lengths and non-finite updates", () => {
    const layout = layoutOf(base, 16);
    expect(() => encodeUpdate(new Float64Array(199), layout)).toThrow(/199 values but the task's model has 200/);
    const bad = new Float64Array(200);
    bad[17] = NaN;
    expect(() => encodeUpdate(bad, layout)).toThrow(/index 17 is NaN/);
    expect(() => decodeAggregate([1n], [1, 1, 1], layout)).toThrow(/aggregate has 1 words/);
    expect(() => decodeAggregate(Array(layout.wordCount).fill(0n), [1, 0, 1], layout)).toThrow(
      /chunk 1 has 0 contributors/,
    );
  });
});

describe("planner", () => {
  it("sizes chunks under the HCU and gas caps and picks the narrowest lane", () => {
    const codec = chooseCodec({ paramCount: 5000, maxCohort: 16, valueBits: 8, clip: 0.05 });
    expect(codec.laneBits).toBe(12);
    const plan = planSubmission(codec, 16);
    expect(plan.maxChunkHcu).toBeLessThan(20_000_000);
    expect(plan.maxChunkGas).toBeLessThan(16_777_216);
    expect(plan.layout.paramsPerChunk).toBeGreaterThanOrEqual(500);
    expect(plan.txPerParticipant).toBe(Math.ceil(5000 / plan.layout.paramsPerChunk));
    expect(plan.hcuPerParam).toBeLessThan(32_000);
    expect(maxWordsPerTx({ ...DEFAULT_COSTS, hcuPerTx: 1_000_000 })).toBe(3);
  });

  it("refuses a chunk size over the caps", () => {
    const chunk = { ...base, paramCount: 5000, wordsPerChunk: 40 };
    expect(() => planSubmission(chunk, 16, { ...DEFAULT_COSTS, hcuPerTx: 10_000_000 })).toThrow(
      /HCU, over the 10000000 cap/,
    );
    expect(() => planSubmission(chunk, 16, { ...DEFAULT_COSTS, gasPerTx: 3_000_000 })).toThrow(
      /gas, over the 3000000 cap/,
    );
  });
});
