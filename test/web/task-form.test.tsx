// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/react";
import { chooseCodec, planSubmission } from "../../client/src/protocol/plan";
import { CostPreview } from "../../web/src/components/CostPreview";
import { PAIR_COHORT_WARNING, taskConfig } from "../../client/src/protocol/taskChoices";
import { MODEL_KINDS } from "../../client/src/protocol/modelSpec";
import { NO_PRIVACY } from "../../client/src/protocol/privacy";
import {
  INITIAL_SPEC_FIELDS,
  MODEL_KIND_LABELS,
  draftTask,
  parseAddresses,
  specOf,
  type TaskForm,
} from "../../web/src/taskForm";

afterEach(cleanup);

const A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const B = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const C = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";

const form = (overrides: Partial<TaskForm> = {}): TaskForm => ({
  valueBits: 8,
  clip: 0.05,
  sampleCap: 0,
  weightFloor: 1,
  minCohort: 3,
  maxCohort: 16,
  rounds: 3,
  roundDurationSeconds: 3600,
  policy: 0,
  participants: `${A}\n${B}, ${C}`,
  ...overrides,
});

describe("parseAddresses", () => {
  it("accepts any separators, checksums and reports bad, zero and repeated entries", () => {
    const { addresses, errors } = parseAddresses(
      `${A.toLowerCase()} ${B};${C}\n0x1234 ${A} 0x0000000000000000000000000000000000000000`,
    );
    expect(addresses).toEqual([A, B, C]);
    expect(errors).toEqual(['"0x1234" is not an address', `${A} is listed twice`, "the zero address cannot take part"]);
  });
});

describe("specOf", () => {
  it("names every model kind and ignores hidden sizes of the kinds with a fixed layout", () => {
    expect(Object.keys(MODEL_KIND_LABELS).sort()).toEqual([...MODEL_KINDS].sort());
    const lenet = specOf({ ...INITIAL_SPEC_FIELDS, kind: "lenet", inputShape: "28, 28, 1", numClasses: "10" });
    expect(lenet).toEqual({ spec: { kind: "lenet", inputShape: [28, 28, 1], numClasses: 10, seed: 1 } });
    expect(specOf({ ...INITIAL_SPEC_FIELDS, kind: "mlp", hidden: "16, 8" }).spec?.hidden).toEqual([16, 8]);
  });
});

describe("draftTask", () => {
  it("derives the planner's codec and plan for a valid form", () => {
    const draft = draftTask(form(), 5000);
    expect(draft.errors).toEqual([]);
    const expected = chooseCodec({ paramCount: 5000, maxCohort: 16, valueBits: 8, clip: 0.05 });
    expect(draft.codec).toEqual(expected);
    expect(draft.plan).toEqual(planSubmission(expected, 16));
    expect(draft.participants).toHaveLength(3);
  });

  it("keeps explicit lane bits and chunk size, and reports missing headroom in words", () => {
    const ok = draftTask(form({ laneBits: 16, wordsPerChunk: 4 }), 1000);
    expect(ok.codec?.laneBits).toBe(16);
    expect(ok.codec?.wordsPerChunk).toBe(4);
    const narrow = draftTask(form({ laneBits: 9 }), 1000);
    expect(narrow.plan).toBeUndefined();
    expect(narrow.errors.join(" ")).toMatch(/lane headroom too small: 16 x \(2\^8 - 1\) does not fit in 9 lane bits/);
  });

  it("rejects a cohort below 2, more participants than the maximum cohort, and empty schedules", () => {
    expect(draftTask(form({ minCohort: 1 }), 10).errors).toContain(
      "the minimum cohort K must be an integer of at least 2, got 1",
    );
    expect(draftTask(form({ maxCohort: 2 }), 10).errors).toContain(
      "3 participants listed, more than the maximum cohort of 2",
    );
    expect(draftTask(form({ rounds: 0 }), 10).errors).toContain("rounds must be a positive integer, got 0");
    expect(draftTask(form({ roundDurationSeconds: Number.NaN }), 10).errors.join(" ")).toMatch(
      /the round duration must be whole seconds in \[1, 31536000\]/,
    );
    expect(draftTask(form({ roundDurationSeconds: 2 ** 64 }), 10).errors.join(" ")).toMatch(/a year/);
  });

  it("warns that a minimum cohort of 2 lets the two contributors read each other, and only then", () => {
    expect(draftTask(form(), 10).warnings).not.toContain(PAIR_COHORT_WARNING);
    const pair = draftTask(form({ minCohort: 2 }), 10);
    expect(pair.errors).toEqual([]);
    expect(pair.warnings).toContain(PAIR_COHORT_WARNING);
  });

  it("warns, without blocking, when fewer participants than K are listed", () => {
    const draft = draftTask(form({ participants: A }), 10);
    expect(draft.errors).toEqual([]);
    expect(draft.warnings[0]).toMatch(/round 1 cannot open until at least 3 are listed/);
  });

  it("reports an invalid clip bound from the codec", () => {
    expect(draftTask(form({ clip: Number.NaN }), 10).errors.join(" ")).toMatch(
      /the clip bound must be at least 0.000001/,
    );
    expect(draftTask(form({ clip: 4e-7 }), 10).errors.join(" ")).toMatch(/the clip bound must be at least 0.000001/);
  });

  it("builds the createTask config the contract expects (clip in millionths)", () => {
    const draft = draftTask(form({ policy: 1 }), 62);
    const model = {
      spec: { kind: "logreg" as const, inputShape: [30], numClasses: 2, seed: 1 },
      paramCount: 62,
      modelHash: "0x" + "11".repeat(32),
      modelURI: "data:application/json,x",
    };
    const config = taskConfig(draft.settings!, model);
    expect(config.codec.clipMicros).toBe(50_000n);
    expect(config.codec.paramCount).toBe(62);
    expect(config.policy).toBe(1);
    expect(config.modelHash).toBe(model.modelHash);
    // Without DP terms the chain stores the all-zero "no promise".
    expect(config.privacy).toEqual(NO_PRIVACY);
  });
});

describe("CostPreview", () => {
  it("shows the plan's words, transactions, gas and HCU, and the whole round for the cohort", () => {
    const plan = planSubmission(chooseCodec({ paramCount: 5000, maxCohort: 16, valueBits: 8, clip: 0.05 }), 16);
    render(<CostPreview plan={plan} participants={16} />);
    const row = (name: string) => screen.getByRole("rowheader", { name }).nextElementSibling?.textContent;
    expect(row("Parameters")).toBe("5,000");
    expect(row("Lanes per word")).toBe(`${plan.layout.lanesPerWord} × ${plan.layout.laneBits} bits`);
    expect(row("Encrypted words")).toBe(String(plan.layout.wordCount));
    expect(row("Transactions per participant per round")).toBe(String(plan.txPerParticipant));
    expect(row("HCU per participant per round")).toBe(`${(plan.hcuPerParticipant / 1e6).toFixed(2)}M`);
    expect(row("Whole round (16 participants)")).toMatch(new RegExp(`^${plan.txPerParticipant * 16} transactions`));
  });

  it("explains itself while the settings are incomplete", () => {
    render(<CostPreview plan={undefined} participants={0} />);
    expect(screen.getByText(/appears once the model and the settings are valid/)).toBeTruthy();
  });
});
