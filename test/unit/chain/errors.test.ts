import { describe, expect, it } from "vitest";
import { HINTS, decodeRevert, explainError } from "../../../client/src/chain/errors";
import { FLuFHEAggregator__factory } from "../../../types";

describe("CLI revert hints", () => {
  it("say what to do for every custom error in the aggregator's ABI, and only for those", () => {
    const abiErrors = FLuFHEAggregator__factory.abi.filter((f) => f.type === "error").map((f) => f.name);
    expect(Object.keys(HINTS).sort()).toEqual([...abiErrors].sort());
  });

  it("decode a revert with its arguments and the hint", () => {
    const iface = FLuFHEAggregator__factory.createInterface();
    const data = iface.encodeErrorResult("ChunkTooLarge", [68, 67]);
    expect(decodeRevert({ data })?.message).toMatch(/^ChunkTooLarge\(wordsPerChunk=68, max=67\): use at most/);
    expect(explainError({ error: { data } })).toMatch(/^reverted with ChunkTooLarge/);
  });
});
