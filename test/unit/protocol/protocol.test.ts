import { readFileSync } from "node:fs";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { describe, expect, it } from "vitest";
import { allowWholeAggregate, fetchAggregate } from "../../../client/src/chain/aggregate";
import { layoutOf } from "../../../client/src/codec/layout";
import { parseModelSpec, specFromUri, specToUri, type ModelSpec } from "../../../client/src/protocol/modelSpec";
import {
  MAX_ROUND_DURATION,
  PAIR_COHORT_WARNING,
  TASK_DEFAULTS,
  checkTaskChoices,
  taskConfig,
  taskSettings,
} from "../../../client/src/protocol/taskChoices";
import { layoutFromTask } from "../../../client/src/protocol/taskConfig";
import { POLICY_NAMES, ROUND_STATE_NAMES, parsePolicy, roundStateName } from "../../../client/src/protocol/vocabulary";
import { FLuFHEAggregator__factory } from "../../../types";
import type { IFLuFHEAggregator } from "../../../types/contracts/FLuFHEAggregator";

const SOURCE = readFileSync(path.resolve(__dirname, "../../../contracts/interfaces/IFLuFHEAggregator.sol"), "utf8");

/** Member names of a Solidity enum, in declaration order. */
function solidityEnum(name: string): string[] {
  const body = SOURCE.match(new RegExp(`enum ${name} \\{([^}]*)\\}`))?.[1];
  if (!body) throw new Error(`enum ${name} not found`);
  return body
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

describe("protocol vocabulary", () => {
  it("names the contract's enums in declaration order", () => {
    expect([...ROUND_STATE_NAMES]).toEqual(solidityEnum("RoundState"));
    expect([...POLICY_NAMES]).toEqual(solidityEnum("DecryptionPolicy"));
  });

  it("reads chain values and typed names, and rejects unknown ones", () => {
    expect(roundStateName(4n)).toBe("Revealed");
    expect(() => roundStateName(9)).toThrow(/unknown round state 9/);
    expect(parsePolicy(" PUBLIC ")).toBe(1);
    expect(() => parsePolicy("friends")).toThrow(/participants or public, got "friends"/);
  });
});

const spec: ModelSpec = { kind: "logreg", inputShape: [30], numClasses: 2, seed: 1 };

/** What layoutFromTask reads back from a task created with `config`. */
function readBack(config: IFLuFHEAggregator.TaskConfigStruct) {
  const c = config.codec;
  const view = {
    config: {
      codec: {
        valueBits: BigInt(c.valueBits),
        laneBits: BigInt(c.laneBits),
        wordsPerChunk: BigInt(c.wordsPerChunk),
        paramCount: BigInt(c.paramCount),
        clipMicros: BigInt(c.clipMicros),
        sampleCap: BigInt(c.sampleCap),
        weightFloor: BigInt(c.weightFloor),
      },
      maxCohort: BigInt(config.maxCohort),
    },
  };
  return layoutFromTask(view as unknown as IFLuFHEAggregator.TaskViewStructOutput);
}

describe("task choices", () => {
  it("default to K = 3 and the documented codec, and plan within the caps", () => {
    const s = taskSettings(62, {});
    expect(s.minCohort).toBe(3);
    expect(s.codec.valueBits).toBe(TASK_DEFAULTS.valueBits);
    expect(s.codec.clip).toBe(TASK_DEFAULTS.clip);
    expect(s.warnings).toEqual([]);
    expect(s.plan.maxChunkHcu).toBeLessThan(20_000_000);
  });

  it("accept K = 2 only when asked, with the warning that the two can read each other", () => {
    const { settings, warnings } = checkTaskChoices(62, { minCohort: 2 });
    expect(settings?.minCohort).toBe(2);
    expect(warnings).toEqual([PAIR_COHORT_WARNING]);
  });

  it("use the clip exactly as the chain stores it, so owner and participants decode alike", () => {
    const s = taskSettings(62, { clip: 0.1234567 });
    const config = taskConfig(s, { modelHash: "0x" + "00".repeat(32), modelURI: specToUri(spec) });
    expect(config.codec.clipMicros).toBe(123_457n);
    expect(s.codec.clip).toBe(0.123457);
    // What a participant reads back from the chain is the owner's codec, bit for bit.
    expect(readBack(config)).toEqual(layoutOf(s.codec, s.maxCohort));
  });

  it("reject, with what to fix, what the contract would reject or never run", () => {
    const errors = (choices: Parameters<typeof checkTaskChoices>[1]) => checkTaskChoices(62, choices).errors.join(" ");
    expect(errors({ clip: 4e-7 })).toMatch(/clip bound must be at least 0.000001 \(the chain stores millionths\)/);
    expect(errors({ maxCohort: 0 })).toMatch(/maximum cohort must be an integer in \[1, 65535\], got 0/);
    expect(errors({ maxCohort: 2 })).toMatch(/maximum cohort \(2\) must be at least the minimum cohort K \(3\)/);
    expect(errors({ roundDuration: MAX_ROUND_DURATION + 1 })).toMatch(/a year/);
    expect(errors({ roundDuration: MAX_ROUND_DURATION })).toBe("");
    expect(errors({ wordsPerChunk: 68 })).toMatch(/words per chunk must be an integer in \[1, 67\]/);
    expect(errors({ valueBits: 40 })).toMatch(/value bits must be an integer in \[2, 32\], got 40/);
    expect(() => taskSettings(62, { minCohort: 1 })).toThrow(/at least 2, got 1/);
  });
});

describe("model spec", () => {
  it("round-trips through the task's inline URI and validates what it reads", () => {
    const named: ModelSpec = { ...spec, numClasses: 3, classNames: ["setosa", "versicolor", "virginica"] };
    expect(specFromUri(specToUri(named))).toEqual(named);
    expect(() => specFromUri("ipfs://x")).toThrow(/not an inline model spec/);
    expect(() => specFromUri("data:application/json," + encodeURIComponent('{"kind":"svm"}'))).toThrow(
      /malformed: kind must be one of logreg, mlp, cnn, lenet/,
    );
    expect(() => parseModelSpec({ ...spec, classNames: ["a"] })).toThrow(/1 names for 2 classes/);
  });

  it("carries a task's name and description, trimmed and bounded, in the commitment", () => {
    const named = parseModelSpec({ ...spec, name: "  Screening, 3 hospitals ", description: "Predicts malignancy." });
    expect(named).toMatchObject({ name: "Screening, 3 hospitals", description: "Predicts malignancy." });
    expect(specFromUri(specToUri(named))).toEqual(named);
    expect(parseModelSpec({ ...spec, name: "   " }).name).toBeUndefined();
    expect(() => parseModelSpec({ ...spec, name: "x".repeat(81) })).toThrow(/name has 81 characters, more than 80/);
    expect(() => parseModelSpec({ ...spec, description: 7 })).toThrow(/description must be text/);
  });

  it("accepts a lenet only on images large enough for its fixed layout", () => {
    const lenet = { kind: "lenet", inputShape: [28, 28, 1], numClasses: 10, seed: 1 };
    expect(parseModelSpec(lenet)).toEqual(lenet);
    expect(() => parseModelSpec({ ...lenet, inputShape: [784] })).toThrow(/lenet needs inputShape \[height, width/);
    expect(() => parseModelSpec({ ...lenet, inputShape: [11, 28, 1] })).toThrow(/at least 12 x 12/);
    expect(() => parseModelSpec({ ...lenet, hidden: [8] })).toThrow(/fixed layout/);
  });
});

describe("aggregate access", () => {
  it("fails early, before any request, when the aggregator has no signer", async () => {
    const provider = new JsonRpcProvider("http://127.0.0.1:9", 31337, { staticNetwork: true });
    const aggregator = FLuFHEAggregator__factory.connect("0x" + "12".repeat(20), provider);
    await expect(allowWholeAggregate(aggregator, 1n, 1, 10)).rejects.toThrow(
      /connect the aggregator to the account's signer/,
    );
    const layout = layoutOf({
      valueBits: 8,
      laneBits: 12,
      wordsPerChunk: 8,
      paramCount: 20,
      clip: 1,
      sampleCap: 0,
      weightFloor: 1,
    });
    await expect(
      fetchAggregate({
        aggregator,
        instance: {} as never,
        signer: {} as never,
        taskId: 1n,
        round: 1,
        layout,
        policy: 0,
      }),
    ).rejects.toThrow(/connect the aggregator/);
    provider.destroy();
  });
});
