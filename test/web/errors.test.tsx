import { describe, expect, it } from "vitest";
import { Interface } from "ethers";
import { decodeRevert, errorCauses } from "../../client/src/chain/errors";
import { FLuFHEAggregator__factory } from "../../types";
import { aggregatorInterface } from "../../web/src/chain";
import { HINTS, describeError } from "../../web/src/errors";
import { aggregatorErrorDocs, undocumentedNumbers } from "../shared/natspec";

const OUTSIDER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";

describe("errorCauses (the one walker of wrapped errors)", () => {
  it("follows cause, error, info.error and data objects, outermost first", () => {
    const inner = { data: "0x12345678" };
    const viem = { name: "ContractFunctionExecutionError", cause: { name: "CallExecutionError", cause: inner } };
    expect(errorCauses(viem)).toEqual([viem, viem.cause, inner]);
    const ethers = { code: "UNKNOWN_ERROR", info: { error: { code: 4001 } }, error: { data: { data: "0xab" } } };
    expect(errorCauses(ethers)).toEqual([ethers, ethers.error, ethers.info.error, ethers.error.data]);
  });

  it("visits each object once, stops at the limit and skips what is not an object", () => {
    const loop: Record<string, unknown> = { name: "outer" };
    loop.cause = loop;
    loop.error = "a string";
    expect(errorCauses(loop)).toEqual([loop]);
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 40; i++) deep = { cause: deep };
    expect(errorCauses(deep)).toHaveLength(16);
    expect(errorCauses(undefined)).toEqual([]);
    expect(errorCauses("boom")).toEqual([]);
  });

  it("lets decodeRevert find revert data under a viem cause as well as under ethers' wrappers", () => {
    const data = aggregatorInterface.encodeErrorResult("UnknownTask", [9n]);
    expect(decodeRevert({ shortMessage: "reverted", cause: { cause: { data } } })?.name).toBe("UnknownTask");
    expect(decodeRevert({ info: { error: { data: { data } } } })?.args).toEqual({ taskId: "9" });
  });
});

describe("web hints", () => {
  it("has a hint for every custom error in the aggregator's ABI, and none for errors it does not have", () => {
    const abiErrors: string[] = FLuFHEAggregator__factory.abi.filter((f) => f.type === "error").map((f) => f.name);
    expect(abiErrors.filter((name) => !HINTS[name])).toEqual([]);
    expect(Object.keys(HINTS).filter((name) => !abiErrors.includes(name))).toEqual([]);
  });

  it("quotes no limit the error's NatSpec (what the error means) does not document", () => {
    const docs = aggregatorErrorDocs();
    const undocumented = Object.entries(HINTS).flatMap(([name, hint]) =>
      undocumentedNumbers(hint, docs[name]).map((n) => `${name}: ${n}`),
    );
    expect(undocumented).toEqual([]);
  });

  it("explains the contract's limits on chunk size and round duration", () => {
    const chunk = aggregatorInterface.encodeErrorResult("ChunkTooLarge", [300, 67]);
    expect(describeError({ data: chunk }, aggregatorInterface).message).toBe(
      `${HINTS.ChunkTooLarge} [ChunkTooLarge(300, 67)]`,
    );
    const year = 365 * 24 * 3600;
    const duration = aggregatorInterface.encodeErrorResult("RoundDurationTooLong", [year * 60, year]);
    expect(describeError({ data: duration }, aggregatorInterface).message).toMatch(/check the duration unit/);
  });
});

describe("describeError", () => {
  it("recognises a rejection however the wallet library wraps it", () => {
    for (const e of [
      { code: "ACTION_REJECTED" },
      { code: 4001, message: "User rejected" },
      { name: "ConnectorError", cause: { name: "UserRejectedRequestError" } },
      { code: "UNKNOWN_ERROR", info: { error: { code: 4001 } } },
    ]) {
      expect(describeError(e)).toEqual({
        message: "You rejected the request in your wallet. Nothing was sent.",
        rejected: true,
      });
    }
  });

  it("decodes the aggregator's custom errors from revert data, with a hint", () => {
    const data = aggregatorInterface.encodeErrorResult("NotTaskOwner", [7n, OUTSIDER]);
    const failure = describeError({ code: "CALL_EXCEPTION", data }, aggregatorInterface);
    expect(failure.rejected).toBe(false);
    expect(failure.message).toBe(`only the task owner can do this [NotTaskOwner(7, ${OUTSIDER})]`);
    const nested = describeError(
      { error: { data: { data: aggregatorInterface.encodeErrorResult("RoundNotOpen", [1n, 2, 3]) } } },
      aggregatorInterface,
    );
    expect(nested.message).toBe("the round is not open [RoundNotOpen(1, 2, 3)]");
  });

  it("falls back to the first line of the message, or the node's own words", () => {
    expect(describeError(new Error("network down\nstack")).message).toBe("network down");
    expect(
      describeError({ shortMessage: "could not coalesce error", error: { message: "nonce too low" } }).message,
    ).toBe("could not coalesce error: nonce too low");
    const foreign = new Interface(["error Other(uint256)"]).encodeErrorResult("Other", [1]);
    expect(describeError({ shortMessage: "execution reverted", data: foreign }, aggregatorInterface).message).toBe(
      "execution reverted",
    );
  });
});
