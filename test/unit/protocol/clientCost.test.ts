import { describe, expect, it } from "vitest";
import {
  CLIENT_SECONDS_PER_PROOF,
  PARALLEL_EFFICIENCY,
  approxDuration,
  clientEncryptSeconds,
  defaultEncryptThreads,
  threadsLabel,
} from "../../../client/src/protocol/clientCost";
import { chooseCodec, describeClientCost, planSubmission, withClientThreads } from "../../../client/src/protocol/plan";

describe("client encryption estimate", () => {
  it("keeps its constants in range: seconds per proof positive, efficiency a fraction of linear", () => {
    expect(CLIENT_SECONDS_PER_PROOF).toBeGreaterThan(0);
    expect(PARALLEL_EFFICIENCY).toBeGreaterThan(0);
    expect(PARALLEL_EFFICIENCY).toBeLessThanOrEqual(1);
  });

  it("is the measured figure per proof at one thread, and 1 + (t - 1) * efficiency times faster with t", () => {
    expect(clientEncryptSeconds(8)).toBe(8 * CLIENT_SECONDS_PER_PROOF);
    expect(clientEncryptSeconds(8, 1)).toBe(8 * CLIENT_SECONDS_PER_PROOF);
    expect(clientEncryptSeconds(145, 1)).toBe(145 * CLIENT_SECONDS_PER_PROOF);
    expect(clientEncryptSeconds(8, 2)).toBeCloseTo((8 * CLIENT_SECONDS_PER_PROOF) / (1 + PARALLEL_EFFICIENCY), 9);
    expect(clientEncryptSeconds(8, 3)).toBeCloseTo((8 * CLIENT_SECONDS_PER_PROOF) / (1 + 2 * PARALLEL_EFFICIENCY), 9);
    // The 2-thread speedup is the one the benchmark measures.
    expect(clientEncryptSeconds(10, 1) / clientEncryptSeconds(10, 2)).toBeCloseTo(1 + PARALLEL_EFFICIENCY, 9);
    expect(clientEncryptSeconds(0, 4)).toBe(0);
  });

  it("falls with more threads and rises with more proofs", () => {
    const proofs = 145;
    let previous = Infinity;
    for (let threads = 1; threads <= 16; threads++) {
      const seconds = clientEncryptSeconds(proofs, threads);
      expect(seconds).toBeLessThan(previous);
      expect(seconds).toBeGreaterThanOrEqual((proofs * CLIENT_SECONDS_PER_PROOF) / threads);
      previous = seconds;
    }
    for (let proofs = 1; proofs < 20; proofs++) {
      expect(clientEncryptSeconds(proofs + 1, 4)).toBeGreaterThan(clientEncryptSeconds(proofs, 4));
    }
  });

  it("uses no more threads than there are proofs", () => {
    expect(clientEncryptSeconds(1, 8)).toBe(CLIENT_SECONDS_PER_PROOF);
    expect(clientEncryptSeconds(3, 8)).toBe(clientEncryptSeconds(3, 3));
    expect(clientEncryptSeconds(3, 8)).toBeLessThan(clientEncryptSeconds(3, 2));
  });

  it("refuses counts that are not whole or in range, saying which", () => {
    expect(() => clientEncryptSeconds(-1)).toThrow(
      "the number of input proofs must be an integer of at least 0, got -1",
    );
    expect(() => clientEncryptSeconds(1.5)).toThrow(/input proofs must be an integer/);
    expect(() => clientEncryptSeconds(NaN)).toThrow(/input proofs must be an integer of at least 0, got NaN/);
    expect(() => clientEncryptSeconds(4, 0)).toThrow(
      "the number of encryption threads must be an integer of at least 1, got 0",
    );
    expect(() => clientEncryptSeconds(4, 2.5)).toThrow(/encryption threads must be an integer/);
  });

  it("defaults to every core but one, at least one thread", () => {
    expect(defaultEncryptThreads(1)).toBe(1);
    expect(defaultEncryptThreads(2)).toBe(1);
    expect(defaultEncryptThreads(3)).toBe(2);
    expect(defaultEncryptThreads(16)).toBe(15);
    expect(() => defaultEncryptThreads(0)).toThrow("the number of cores must be an integer of at least 1, got 0");
    expect(() => defaultEncryptThreads(Number.NaN)).toThrow(/number of cores/);
  });

  it("says durations as rounded estimates", () => {
    expect(approxDuration(0)).toBe("0 s");
    expect(approxDuration(0.2)).toBe("~1 s");
    expect(approxDuration(30)).toBe("~30 s");
    expect(approxDuration(89)).toBe("~89 s");
    expect(approxDuration(90)).toBe("~2 min");
    expect(approxDuration(240)).toBe("~4 min");
    expect(approxDuration(4350)).toBe("~73 min");
    expect(approxDuration(5400)).toBe("~1.5 h");
    expect(() => approxDuration(-1)).toThrow(/a duration must be >= 0 s, got -1/);
    expect(threadsLabel(1)).toBe("1 thread");
    expect(threadsLabel(3)).toBe("3 threads");
  });
});

describe("planSubmission: the participant's input proofs and real-network time", () => {
  // 5,000 parameters, 8-bit values, cohort 16: 501 words (with the weight's) in 64-word chunks.
  const codec = chooseCodec({ paramCount: 5000, maxCohort: 16, valueBits: 8, clip: 0.05 });

  it("counts one proof per 16 words of each chunk and estimates one thread unless told the machine's", () => {
    const plan = planSubmission(codec, 16);
    expect(plan.layout.wordCount).toBe(501);
    expect(plan.layout.wordsPerChunk).toBe(64);
    // 7 full chunks of 64 words (4 proofs each) and one of 53 (4 proofs: a proof never spans chunks).
    expect(plan.proofsPerParticipant).toBe(32);
    expect(plan.clientProofSeconds).toBe(32 * CLIENT_SECONDS_PER_PROOF);
    expect(plan.clientThreads).toBe(1);
    expect(plan.clientProofSecondsAtThreads).toBe(plan.clientProofSeconds);

    const threaded = planSubmission(codec, 16, undefined, undefined, 3);
    expect(threaded.clientThreads).toBe(3);
    expect(threaded.clientProofSeconds).toBe(plan.clientProofSeconds);
    expect(threaded.clientProofSecondsAtThreads).toBe(clientEncryptSeconds(32, 3));
    expect(withClientThreads(plan, 3)).toEqual(threaded);
    expect(() => planSubmission(codec, 16, undefined, undefined, 0)).toThrow(/encryption threads/);
  });

  it("says the figures in one line for the CLI tools", () => {
    const plan = planSubmission(codec, 16);
    expect(describeClientCost(plan)).toBe(
      "32 input proof(s); real-network client encryption ~16 min at 1 thread, this machine's default",
    );
    expect(describeClientCost(withClientThreads(plan, 3))).toBe(
      `32 input proof(s); real-network client encryption ~16 min at 1 thread, ` +
        `${approxDuration(clientEncryptSeconds(32, 3))} at 3 threads on this machine (estimate)`,
    );
  });
});
