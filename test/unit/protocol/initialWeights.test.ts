import { describe, expect, it } from "vitest";
import { parseModelWeights, publishedStart } from "../../../client/src/protocol/initialWeights";

describe("published initial weights", () => {
  it("reads the weights of any model file and names the file when it has none", () => {
    expect(parseModelWeights({ spec: {}, commitment: "0x", weights: [0.5, -1, 2] }, "m.json")).toEqual(
      Float32Array.from([0.5, -1, 2]),
    );
    for (const bad of [null, [], { weights: "1,2" }, { weights: [1, "2"] }, { weights: [1, null] }, { w: [1] }]) {
      expect(() => parseModelWeights(bad, "m.json")).toThrow(
        'm.json: a model file is a JSON object whose "weights" is a list of finite numbers',
      );
    }
  });

  it("takes published weights only for a spec that says so, and only of the model's size", () => {
    const weights = Float32Array.from([1, 2, 3]);
    expect(publishedStart({ initialWeights: "published" }, 3, weights)).toBe(weights);
    expect(publishedStart({}, 3)).toBeUndefined();
    expect(() => publishedStart({}, 3, weights)).toThrow(/need a spec with initialWeights "published"/);
    expect(() => publishedStart({ initialWeights: "published" }, 3)).toThrow(/give them/);
    expect(() => publishedStart({ initialWeights: "published" }, 4, weights)).toThrow(
      "the initial weights hold 3 values, the spec's model has 4 parameters",
    );
    expect(() => publishedStart({ initialWeights: "published" }, 2, Float32Array.from([1, Number.NaN]))).toThrow(
      "initial weight 1 is NaN",
    );
  });
});
