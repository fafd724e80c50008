import { describe, expect, it } from "vitest";
import type { Dataset } from "../../../client/src/ml/dataset";
import { loadPartitions } from "../../../client/src/node/data";

/** Every sample as "label:features", sorted: a multiset to compare splits by. */
function samples(...sets: Dataset[]): string[] {
  return sets
    .flatMap((d) =>
      Array.from(d.y, (y, i) => `${y}:${d.x.subarray(i * d.numFeatures, (i + 1) * d.numFeatures).join(",")}`),
    )
    .sort();
}

describe("loadPartitions with a public share", () => {
  const spec = { data: "digits", clients: 3, partition: "dirichlet" as const, alpha: 0.5, seed: 7 };

  it("sets the share aside before partitioning: public and private samples together are the training set", () => {
    const whole = loadPartitions(spec);
    const split = loadPartitions({ ...spec, publicShare: 0.25 });
    const total = whole.parts.reduce((n, p) => n + p.y.length, 0);
    expect(split.public!.y.length).toBe(Math.round(0.25 * total));
    expect(split.parts.reduce((n, p) => n + p.y.length, 0)).toBe(total - split.public!.y.length);
    expect(samples(split.public!, ...split.parts)).toEqual(samples(...whole.parts));
    expect(split.test.x).toEqual(whole.test.x);
    expect(whole.public).toBeUndefined();
  });

  it("draws the same share for the same seed and another for another seed", () => {
    const a = loadPartitions({ ...spec, publicShare: 0.3 });
    expect(loadPartitions({ ...spec, publicShare: 0.3 }).public!.x).toEqual(a.public!.x);
    expect(loadPartitions({ ...spec, seed: 8, publicShare: 0.3 }).public!.x).not.toEqual(a.public!.x);
  });

  it("refuses a share outside (0, 1) or one that leaves a side empty", () => {
    for (const share of [0, 1, -0.1, 1.5, Number.NaN]) {
      expect(() => loadPartitions({ ...spec, publicShare: share })).toThrow(/fraction in \(0, 1\)/);
    }
    expect(() => loadPartitions({ ...spec, publicShare: 1e-9 })).toThrow(/leaves no public sample/);
  });
});
