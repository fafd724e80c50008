// Node environment: the real commitment (ethers' sha256 rejects jsdom's typed arrays).
import { describe, expect, it } from "vitest";
import { initialModel } from "../../client/src/node/model";
import { parseModelSpec, specToUri } from "../../client/src/protocol/modelSpec";
import { publishedCommitment, seededSpec } from "../../web/src/modelSpec";

describe("the page's commitment to published initial weights", () => {
  const spec = parseModelSpec({
    kind: "mlp",
    inputShape: [6],
    numClasses: 3,
    hidden: [4],
    seed: 2,
    frozenLayers: 1,
    initialWeights: "published",
  });
  const seeded = initialModel(seededSpec(spec));
  const weights = seeded.weights.map((w) => w * 2 + 0.25);

  it("is the nodes' commitment (initialModel) to the same spec and weights", () => {
    const node = initialModel(spec, weights);
    expect(publishedCommitment(spec, seeded.paramCount, weights)).toEqual({
      spec,
      paramCount: node.paramCount,
      modelHash: node.modelHash,
      modelURI: node.modelURI,
    });
    expect(node.modelURI).toBe(specToUri(spec));
    expect(node.modelHash).not.toBe(initialModel(seededSpec(spec), undefined).modelHash);
  });

  it("sizes the model without the published flag and refuses missing or misfit weights", () => {
    expect(seededSpec(spec)).not.toHaveProperty("initialWeights");
    expect(() => publishedCommitment(spec, seeded.paramCount, undefined)).toThrow(/load the model file it starts from/);
    expect(() => publishedCommitment(spec, seeded.paramCount + 1, weights)).toThrow(
      `the initial weights hold ${weights.length} values, the spec's model has ${seeded.paramCount + 1} parameters`,
    );
    expect(() => publishedCommitment(seededSpec(spec), seeded.paramCount, weights)).toThrow(
      /need a spec with initialWeights "published"/,
    );
  });
});
