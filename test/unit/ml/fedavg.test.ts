import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeDelta, fedAvg } from "../../../client/src/ml";

const f32 = (...v: number[]) => Float32Array.from(v);

describe("fedAvg", () => {
  const global = f32(1, 2);
  const updates = [
    { delta: f32(1, 0), numSamples: 1 },
    { delta: f32(0, 4), numSamples: 3 },
  ];

  it("weights deltas by sample count by default", () => {
    expect(Array.from(fedAvg(global, updates))).toEqual([1.25, 5]);
  });

  it("averages equally when unweighted", () => {
    expect(Array.from(fedAvg(global, updates, { weighted: false }))).toEqual([1.5, 4]);
  });

  it("equals the sample-weighted mean of the local models", () => {
    const vec = (n: number) => fc.float32Array({ minLength: n, maxLength: n, noNaN: true, min: -10, max: 10 });
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 8 })
          .chain((n) =>
            fc.tuple(
              vec(n),
              fc.array(fc.tuple(vec(n), fc.integer({ min: 1, max: 1000 })), { minLength: 1, maxLength: 5 }),
            ),
          ),
        ([g, locals]) => {
          const avg = fedAvg(
            g,
            locals.map(([w, c]) => ({ delta: computeDelta(w, g), numSamples: c })),
          );
          const total = locals.reduce((s, [, c]) => s + c, 0);
          g.forEach((_, i) => {
            const expected = locals.reduce((s, [w, c]) => s + c * w[i], 0) / total;
            expect(Math.abs(avg[i] - expected)).toBeLessThan(1e-4);
          });
        },
      ),
    );
  });

  it("rejects malformed updates", () => {
    expect(() => fedAvg(global, [])).toThrow(/at least one client update/);
    expect(() => fedAvg(global, [{ delta: f32(1), numSamples: 1 }])).toThrow(/update 0 has 1 values, the model has 2/);
    expect(() => fedAvg(global, [{ delta: f32(1, 1), numSamples: 0 }])).toThrow(/update 0 has sample count 0/);
    expect(() => computeDelta(f32(1), global)).toThrow(/length mismatch/);
  });
});
