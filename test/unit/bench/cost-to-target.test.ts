import { describe, expect, it } from "vitest";
import {
  accuracyTarget,
  costRatio,
  costToTarget,
  lastRoundsGapPp,
  roundRecords,
  TARGET_MARGIN,
} from "../../../scripts/lib/cost-to-target";

const cost = { words: 116, proofs: 8, gas: 1_000, hcu: 3_000 };

describe("cost to target", () => {
  it("accumulates words, proofs, gas and HCU per round", () => {
    expect(roundRecords([0.5, 0.8], cost)).toEqual([
      {
        round: 1,
        accuracy: 0.5,
        cumulativeWords: 116,
        cumulativeProofs: 8,
        cumulativeGas: 1_000,
        cumulativeHcu: 3_000,
      },
      {
        round: 2,
        accuracy: 0.8,
        cumulativeWords: 232,
        cumulativeProofs: 16,
        cumulativeGas: 2_000,
        cumulativeHcu: 6_000,
      },
    ]);
  });

  it("is the cumulative gas of the first round at or above the reference's final accuracy minus 1 pp", () => {
    expect(TARGET_MARGIN).toBe(0.01);
    const target = accuracyTarget(0.9364);
    expect(target).toBeCloseTo(0.9264, 12);
    // Reached in round 3 (a later dip does not matter), exactly at the target in round 3 of the second.
    expect(costToTarget(roundRecords([0.8, 0.92, 0.93, 0.91, 0.94], cost), target)).toBe(3_000);
    expect(costToTarget(roundRecords([0.9, 0.9264], cost), target)).toBe(2_000);
  });

  it("is null when the accuracy never reaches the target", () => {
    expect(costToTarget(roundRecords([0.8, 0.9, 0.926], cost), accuracyTarget(0.9364))).toBeNull();
    expect(costToTarget([], 0.5)).toBeNull();
  });

  it("costRatio: the baseline's cost over the config's, null when either is null", () => {
    expect(costRatio(20_000, 2_000)).toBe(10);
    expect(costRatio(2_000, 4_000)).toBe(0.5);
    expect(costRatio(null, 2_000)).toBeNull();
    expect(costRatio(20_000, null)).toBeNull();
    expect(costRatio(null, null)).toBeNull();
  });
});

describe("the gap over the last rounds", () => {
  it("averages the last 3 rounds of each run, in percentage points", () => {
    const reference = [0.8, 0.9, 0.93, 0.94, 0.95];
    // A last-round dip: the final gap says 2 pp, the last three rounds 0.67 pp (0.94 against 0.9333).
    const dipped = [0.8, 0.9, 0.93, 0.94, 0.93];
    expect(lastRoundsGapPp(reference, dipped)).toBeCloseTo(0.6667, 3);
    expect(lastRoundsGapPp(reference, reference)).toBe(0);
    expect(lastRoundsGapPp(reference, [0.1, 0.2], 3)).toBeCloseTo((0.94 - 0.15) * 100, 6);
    expect(lastRoundsGapPp([0.9], [0.8], 1)).toBeCloseTo(10, 9);
  });
});
