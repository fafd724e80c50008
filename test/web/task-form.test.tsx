// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, render, screen } from "@testing-library/react";
import { chooseCodec, planSubmission } from "../../client/src/protocol/plan";
import { approxDuration, clientEncryptSeconds } from "../../client/src/protocol/clientCost";
import { CLIENT_ONE_THREAD_ROW, CostPreview, clientThreadsRow } from "../../web/src/components/CostPreview";
import { PAIR_COHORT_WARNING, taskConfig } from "../../client/src/protocol/taskChoices";
import { MODEL_KINDS } from "../../client/src/protocol/modelSpec";
import { NO_PRIVACY } from "../../client/src/protocol/privacy";
import {
  INITIAL_SPEC_FIELDS,
  MODEL_KIND_LABELS,
  addressProblem,
  draftTask,
  initialFormText,
  parseAddresses,
  readForm,
  specOf,
  type DurationUnit,
  type SpecFields,
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
    expect(errors).toEqual([
      '"0x1234" is not an address: an address is 0x followed by 40 hex digits, this one has 4',
      `${A} is listed twice`,
      "the zero address cannot take part",
    ]);
  });

  it("says when a full-length address fails only its checksum", () => {
    const typo = A.slice(0, 2) + A[2].toLowerCase() + A.slice(3).replace("C", "c"); // case changed: checksum broken
    expect(parseAddresses(typo).errors).toEqual([expect.stringMatching(/^0x\w{40} has a wrong checksum: .*mistyped/)]);
    expect(addressProblem("0xZZ")).toBe(
      '"0xZZ" is not an address: an address is 0x followed by 40 hex digits (0-9, a-f)',
    );
    // All lower case carries no checksum: accepted.
    expect(parseAddresses(typo.toLowerCase()).errors).toEqual([]);
  });
});

describe("specOf", () => {
  it("names every model kind and ignores hidden sizes of the kinds with a fixed layout", () => {
    expect(Object.keys(MODEL_KIND_LABELS).sort()).toEqual([...MODEL_KINDS].sort());
    const lenet = specOf({ ...INITIAL_SPEC_FIELDS, kind: "lenet", inputShape: "28, 28, 1", numClasses: "10" });
    expect(lenet).toEqual({ spec: { kind: "lenet", inputShape: [28, 28, 1], numClasses: 10, seed: 1 } });
    expect(specOf({ ...INITIAL_SPEC_FIELDS, kind: "mlp", hidden: "16, 8" }).spec?.hidden).toEqual([16, 8]);
  });

  it("puts the task's name and description into the spec, trimmed, and leaves blank ones out", () => {
    const named = specOf({
      ...INITIAL_SPEC_FIELDS,
      name: "  Breast cancer screening ",
      description: "Three hospitals.",
    });
    expect(named.spec).toMatchObject({ name: "Breast cancer screening", description: "Three hospitals." });
    expect(specOf({ ...INITIAL_SPEC_FIELDS, name: "  " }).spec).not.toHaveProperty("name");
  });

  it("says what is wrong beside the model input it is about, in the form's words", () => {
    const errors = (f: Partial<SpecFields>) => specOf({ ...INITIAL_SPEC_FIELDS, ...f }).errors;
    expect(errors({ name: "x".repeat(81) })).toEqual({ name: "81 characters: a name has at most 80" });
    expect(errors({ description: "x".repeat(1200) })).toEqual({
      description: "1,200 characters: a description has at most 1,000",
    });
    expect(errors({ inputShape: "28, a" })).toEqual({
      inputShape: '"a" is not a whole number of 1 or more: separate sizes with commas',
    });
    expect(errors({ numClasses: "" })).toEqual({
      numClasses: "give the number of classes the model tells apart (2 or more)",
    });
    expect(errors({ numClasses: "1", seed: "-1" })).toEqual({
      numClasses: "a classifier tells apart a whole number of classes from 2 to 10,000, not 1",
      seed: "the seed is a whole number from 0 to 4,294,967,295, not -1",
    });
    // What only the spec's own check finds goes to its input too.
    expect(errors({ kind: "cnn", inputShape: "30" })).toEqual({
      inputShape: "a cnn needs inputShape [height, width, channels], got [30]",
    });
  });
});

describe("draftTask", () => {
  it("derives the planner's codec and plan for a valid form", () => {
    const draft = draftTask(form(), 5000);
    expect([draft.errors, draft.fieldErrors]).toEqual([[], {}]);
    const expected = chooseCodec({ paramCount: 5000, maxCohort: 16, valueBits: 8, clip: 0.05 });
    expect(draft.codec).toEqual(expected);
    expect(draft.plan).toEqual(planSubmission(expected, 16));
    expect(draft.participants).toHaveLength(3);
  });

  it("keeps explicit lane bits and chunk size, and reports missing headroom beside lane bits", () => {
    const ok = draftTask(form({ laneBits: 16, wordsPerChunk: 4 }), 1000);
    expect(ok.codec?.laneBits).toBe(16);
    expect(ok.codec?.wordsPerChunk).toBe(4);
    const narrow = draftTask(form({ laneBits: 9 }), 1000);
    expect(narrow.plan).toBeUndefined();
    expect(narrow.fieldErrors.laneBits).toMatch(
      /lane headroom too small: 16 x \(2\^8 - 1\) does not fit in 9 lane bits/,
    );
  });

  it("puts each settings error beside its input, in the owner's units", () => {
    const errs = (o: Partial<TaskForm>) => draftTask(form(o), 10).fieldErrors;
    expect(errs({ minCohort: 1 })).toEqual({
      minCohort: "K must be at least 2: with 1, a revealed sum could be one participant's own update",
    });
    expect(errs({ maxCohort: 2 })).toEqual({ maxCohort: "2 participants is fewer than K = 3" });
    expect(
      errs({ maxCohort: 3, participants: `${A} ${B} ${C} 0x90F79bf6EB2c4f870365E785982E1f101E93b907` }),
    ).toMatchObject({
      participants: expect.stringMatching(/has a wrong checksum/),
    });
    expect(errs({ rounds: 0 })).toEqual({ rounds: "rounds are a whole number, 1 or more, not 0" });
    expect(errs({ valueBits: 40 })).toEqual({ valueBits: "value bits are a whole number from 2 to 32, not 40" });
    expect(errs({ wordsPerChunk: 100 })).toEqual({
      wordsPerChunk: "100 words is more than the 67 one transaction can carry",
    });
    expect(errs({ roundDurationSeconds: Number.NaN })).toEqual({ duration: "give how long each round stays open" });
  });

  it("says a too-long round in the unit it was typed in", () => {
    const text = initialFormText();
    const typed = (duration: string, unit: DurationUnit) =>
      draftTask(readForm({ ...text, cohort: { ...text.cohort, duration }, unit, participants: `${A} ${B} ${C}` }), 10)
        .fieldErrors.duration;
    expect(typed("400", "days")).toBe("400 days is more than the 1-year limit");
    expect(typed("9000", "hours")).toBe("9000 hours is more than the 1-year limit");
    expect(typed("0", "minutes")).toBe("0 minutes is too short: a round lasts at least a second");
    expect(typed("1", "days")).toBeUndefined();
    // Fixed, the error is gone: nothing is kept between drafts.
    expect(typed("365", "days")).toBeUndefined();
  });

  it("lists more participants than the maximum cohort beside the addresses", () => {
    expect(
      draftTask(form({ maxCohort: 3, minCohort: 2, participants: `${A} ${B} ${C} 0x${"1".repeat(40)}` }), 10)
        .fieldErrors,
    ).toEqual({ participants: "4 participants listed, more than the maximum cohort of 3" });
  });

  it("warns that a minimum cohort of 2 lets the two contributors read each other, and only then", () => {
    expect(draftTask(form(), 10).warnings).not.toContain(PAIR_COHORT_WARNING);
    const pair = draftTask(form({ minCohort: 2 }), 10);
    expect([pair.errors, pair.fieldErrors]).toEqual([[], {}]);
    expect(pair.warnings).toContain(PAIR_COHORT_WARNING);
  });

  it("warns, without blocking, when fewer participants than K are listed", () => {
    const draft = draftTask(form({ participants: A }), 10);
    expect([draft.errors, draft.fieldErrors]).toEqual([[], {}]);
    expect(draft.warnings[0]).toMatch(/round 1 cannot open until at least 3 are listed/);
  });

  it("reports a missing or too small clip bound beside the clip", () => {
    expect(draftTask(form({ clip: Number.NaN }), 10).fieldErrors).toEqual({ clip: "give the clip bound, e.g. 1" });
    expect(draftTask(form({ clip: 4e-7 }), 10).fieldErrors.clip).toMatch(/the clip bound must be at least 0.000001/);
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

  it("shows the input proofs and the real-network client encryption at 1 thread and at this machine's threads", () => {
    // 4 cores: 3 encryption threads (every core but one).
    vi.spyOn(navigator, "hardwareConcurrency", "get").mockReturnValue(4);
    try {
      const plan = planSubmission(chooseCodec({ paramCount: 5000, maxCohort: 16, valueBits: 8, clip: 0.05 }), 16);
      render(<CostPreview plan={plan} participants={16} />);
      const row = (name: string) => screen.getByRole("rowheader", { name }).nextElementSibling?.textContent;
      expect(row("Input proofs per participant per round")).toBe("32");
      expect(CLIENT_ONE_THREAD_ROW).toBe("Real-network client encryption per participant per round, 1 thread");
      expect(row(CLIENT_ONE_THREAD_ROW)).toBe("~16 min");
      expect(clientThreadsRow(3)).toBe(
        "Real-network client encryption per participant per round, 3 threads (this machine)",
      );
      expect(row(clientThreadsRow(3))).toBe(`${approxDuration(clientEncryptSeconds(32, 3))} (estimate)`);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it("shows one encryption row on a machine whose default is one thread (2 cores)", () => {
    vi.spyOn(navigator, "hardwareConcurrency", "get").mockReturnValue(2);
    try {
      const plan = planSubmission(chooseCodec({ paramCount: 5000, maxCohort: 16, valueBits: 8, clip: 0.05 }), 16);
      render(<CostPreview plan={plan} participants={16} />);
      expect(screen.getByRole("rowheader", { name: CLIENT_ONE_THREAD_ROW })).toBeTruthy();
      expect(screen.queryByText(/\(this machine\)/)).toBeNull();
    } finally {
      vi.restoreAllMocks();
    }
  });

  it("explains itself while the settings are incomplete", () => {
    render(<CostPreview plan={undefined} participants={0} />);
    expect(screen.getByText(/appears once the model and the settings are valid/)).toBeTruthy();
  });
});
