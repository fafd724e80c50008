import { describe, expect, it } from "vitest";
import { parseCompressFlag } from "../../client/src/codec/encoding";
import { specToUri, type ModelSpec } from "../../client/src/protocol/modelSpec";
import { describeTaskEncoding, taskEncodingName } from "../../web/src/modelSpec";

const SPEC: ModelSpec = { kind: "mlp", inputShape: [8, 8], numClasses: 3, hidden: [6], seed: 4 };
const uri = (compress: string) => {
  const encoding = parseCompressFlag(compress);
  return specToUri(compress === "none" ? SPEC : { ...SPEC, encoding });
};

describe("the task page's encoding, from the spec on chain (before anything is decrypted)", () => {
  it("names the encoding as the create-task form offers it, with its parameter and error feedback", () => {
    expect(describeTaskEncoding({ modelURI: uri("none") })).toBe("none: today's codec, one lane per parameter");
    expect(describeTaskEncoding({ modelURI: uri("dct:4") })).toBe(
      "dct: low frequencies of the first dense layer's image inputs (dct:4, with error feedback)",
    );
    expect(describeTaskEncoding({ modelURI: uri("randk:5-nofb") })).toBe(
      "randk: a shared random subset of the parameters per round (randk:5-nofb, without error feedback)",
    );
    expect(taskEncodingName({ modelURI: uri("hash:20") })).toBe("hash:20");
    expect(taskEncodingName({ modelURI: uri("none") })).toBe("quant");
  });

  it("says it is unknown when the model URI holds no inline spec", () => {
    expect(describeTaskEncoding({ modelURI: "ipfs://model" })).toMatch(
      /^unknown: the task's model spec is not on chain/,
    );
    expect(taskEncodingName({ modelURI: "ipfs://model" })).toBeUndefined();
  });
});
