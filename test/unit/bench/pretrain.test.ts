import { describe, expect, it } from "vitest";
import { loadPartitions } from "../../../client/src/node/data";
import { parsePretrainSource, publicTrainingData } from "../../../scripts/lib/pretrain";

describe("--pretrain's source", () => {
  it("takes a dataset by name or a public share of the workload's own training split", () => {
    expect(parsePretrainSource("fashion-mnist")).toEqual({ dataset: "fashion-mnist" });
    expect(parsePretrainSource(" public:0.05 ")).toEqual({ publicShare: 0.05 });
    for (const bad of ["public:0", "public:1", "public:half", "public:"]) {
      expect(() => parsePretrainSource(bad)).toThrow(/fraction in \(0, 1\), e\.g\. public:0\.5/);
    }
  });

  it("trains on the share the workload set aside, never on a participant's samples", () => {
    const { public: aside } = loadPartitions({ data: "digits", clients: 2, seed: 3, publicShare: 0.2 });
    expect(publicTrainingData({ publicShare: 0.2 }, aside, 3)).toBe(aside);
    expect(() => publicTrainingData({ publicShare: 0.2 }, undefined, 3)).toThrow(/set no public share aside/);
    expect(publicTrainingData({ dataset: "digits" }, undefined, 3).y.length).toBeGreaterThan(aside!.y.length);
  });
});
