import { describe, expect, it } from "vitest";
import { parseModelSpec } from "../../client/src/protocol/modelSpec";
import { browserTaskEncoding, describeTaskEncoding } from "../../web/src/modelSpec";
import { specToUri } from "../../client/src/protocol/modelSpec";
import { FORM_ENCODING_KINDS } from "../../web/src/encodingChoice";

const MLP = { kind: "mlp", inputShape: [30], numClasses: 2, seed: 1, hidden: [8] };
const PCA = parseModelSpec({ ...MLP, encoding: { kind: "pca", keep: 4, basis: "0x" + "ab".repeat(32) } });
const PARAMS = 30 * 8 + 8 + 8 * 2 + 2;

describe("pca tasks in the web app", () => {
  it("are refused with what to do instead, since the pages cannot load the public input basis", () => {
    expect(() => browserTaskEncoding(PCA, PARAMS)).toThrow(
      "this task's pca:4 encoding needs its public input basis, which the web app cannot load yet: take part, " +
        "decrypt and rebuild with flufhe node / the fl: tasks and --models <the owner's models folder>",
    );
    // Every other encoding builds as the nodes build it.
    const lowrank = parseModelSpec({ ...MLP, encoding: { kind: "lowrank", rank: 2 } });
    expect(browserTaskEncoding(lowrank, PARAMS).name).toBe("lowrank:2-random");
  });

  it("are described from the spec, and the create form does not offer pca", () => {
    expect(describeTaskEncoding({ modelURI: specToUri(PCA) })).toMatch(
      /^pca: the first dense layer on a public sample/,
    );
    expect(FORM_ENCODING_KINDS).not.toContain("pca");
    expect(FORM_ENCODING_KINDS).toContain("lowrank");
  });
});
