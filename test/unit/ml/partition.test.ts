import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ByLabelPartitioner,
  DirichletPartitioner,
  IidPartitioner,
  ShardPartitioner,
  formatLabelHistogram,
  labelHistogram,
  loadDigits,
  type Partitioner,
} from "../../../client/src/ml";

const labels = loadDigits().y;
const seeded: Record<string, (seed: number) => Partitioner> = {
  iid: (s) => new IidPartitioner(s),
  dirichlet: (s) => new DirichletPartitioner(0.3, s),
  shards: (s) => new ShardPartitioner(2, s),
  byLabel: (s) => new ByLabelPartitioner(s),
};

function expectExactCover(parts: Int32Array[], n: number): void {
  const seen = new Uint8Array(n);
  for (const p of parts) {
    expect(p.length).toBeGreaterThan(0);
    p.forEach((i) => seen[i]++);
  }
  expect(seen.every((v) => v === 1)).toBe(true);
}

/** Mean over clients of the largest class share: 1/numClasses when balanced, 1 when single-label. */
function skew(parts: Int32Array[]): number {
  const h = labelHistogram(labels, parts, 10);
  return h.reduce((s, row) => s + Math.max(...row) / row.reduce((a, b) => a + b, 0), 0) / h.length;
}

describe.each(Object.entries(seeded))("%s partitioner", (_, make) => {
  it("covers every sample exactly once and leaves no client empty", () => {
    for (const k of [1, 3, 10, 37]) expectExactCover(make(1).partition(labels, k), labels.length);
  });

  it("is deterministic given the seed", () => {
    expect(make(5).partition(labels, 7)).toEqual(make(5).partition(labels, 7));
  });

  it("holds on arbitrary label vectors", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer(),
        (ys, k, seed) => {
          fc.pre(ys.length >= k);
          expectExactCover(make(seed).partition(Int32Array.from(ys), k), ys.length);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("refuses more clients than samples", () => {
    expect(() => make(1).partition(Int32Array.from([0, 1]), 3)).toThrow(/cannot give 3 clients at least one sample/);
  });
});

describe("label skew", () => {
  it("depends on the seed for the random partitioners", () => {
    for (const name of ["iid", "dirichlet", "shards"]) {
      expect(seeded[name](1).partition(labels, 5)).not.toEqual(seeded[name](2).partition(labels, 5));
    }
  });

  it("Dirichlet: smaller alpha means stronger skew", () => {
    const s = [0.05, 0.5, 5, 500].map((a) => skew(new DirichletPartitioner(a, 11).partition(labels, 10)));
    expect(s[0]).toBeGreaterThan(s[1]);
    expect(s[1]).toBeGreaterThan(s[2]);
    expect(s[2]).toBeGreaterThan(s[3]);
    expect(s[0]).toBeGreaterThan(0.6);
    expect(s[3]).toBeLessThan(0.15);
    expect(skew(new IidPartitioner(11).partition(labels, 10))).toBeLessThan(0.15);
  });

  it("Dirichlet: tiny alpha still gives every client a sample", () => {
    expectExactCover(new DirichletPartitioner(0.001, 3).partition(labels.subarray(0, 60), 50), 60);
  });

  it("shards: each client sees few labels", () => {
    const parts = new ShardPartitioner(2, 4).partition(labels, 10);
    for (const row of labelHistogram(labels, parts, 10)) expect(row.filter((c) => c > 0).length).toBeLessThanOrEqual(4);
  });

  it("by label: whole classes per client, shared when clients outnumber classes", () => {
    const distinct = (parts: Int32Array[]) =>
      labelHistogram(labels, parts, 10).map((r) => r.filter((c) => c > 0).length);
    expect(distinct(new ByLabelPartitioner(0).partition(labels, 5))).toEqual([2, 2, 2, 2, 2]);
    expect(distinct(new ByLabelPartitioner(0).partition(labels, 20))).toEqual(new Array(20).fill(1));
  });
});

describe("formatLabelHistogram", () => {
  it("prints one aligned row per client with totals", () => {
    const ys = Int32Array.from([0, 0, 1, 2, 2, 2]);
    const text = formatLabelHistogram(ys, [Int32Array.from([0, 2]), Int32Array.from([1, 3, 4, 5])], 3);
    expect(text).toBe(["client c0 c1 c2 total", "     0  1  1  0     2", "     1  1  0  3     4"].join("\n"));
  });
});
