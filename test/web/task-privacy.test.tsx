// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import {
  PRIVACY_DEFAULTS,
  describePrivacy,
  privacyFromOptions,
  toOnChainPrivacy,
} from "../../client/src/protocol/privacy";
import { DP_SAMPLE_CAP_ERROR, taskConfig } from "../../client/src/protocol/taskChoices";
import { CostPreview } from "../../web/src/components/CostPreview";
import {
  initialPrivacyText,
  privacyDraft,
  privacyErrors,
  privacyFlags,
  privacyTextOf,
  type PrivacyText,
} from "../../web/src/privacyForm";
import { INITIAL_SPEC_FIELDS, draftTask, initialFormText, readForm, specOf } from "../../web/src/taskForm";
import { CreateTask } from "../../web/src/views/CreateTask";

// The page with a connected wallet; the transaction runner records createTask's arguments and the model API
// echoes the spec it was asked for (a logistic regression's (inputs + 1) x classes parameters).
vi.mock("next/navigation", () => ({ useRouter: () => ({ push: vi.fn() }) }));
vi.mock("../../web/src/hooks/useWallet", () => ({ useWallet: () => ({ status: "ready" }) }));
const run = vi.hoisted(() => vi.fn());
vi.mock("../../web/src/hooks/useTx", () => ({
  useTx: () => ({ state: { phase: "idle" }, busy: false, run, reset: vi.fn() }),
}));
const asked = vi.hoisted(() => [] as unknown[]);
vi.mock("../../web/src/hooks/useModelCommitment", () => ({
  useModelCommitment: (spec?: { inputShape: number[]; numClasses: number }) => {
    asked.push(spec);
    if (!spec) return { status: "idle" };
    const inputs = spec.inputShape.reduce((a, b) => a * b, 1);
    return {
      status: "ready",
      commitment: {
        paramCount: (inputs + 1) * spec.numClasses,
        modelHash: "0x" + "11".repeat(32),
        modelURI: "data:",
        spec,
      },
    };
  },
}));

afterEach(() => {
  cleanup();
  asked.length = 0;
  run.mockReset();
});

const dp = (patch: Partial<PrivacyText>): PrivacyText => ({ ...initialPrivacyText(), enabled: true, ...patch });

describe("privacyDraft: the DP inputs read as fl:create-task's --dp-* flags", () => {
  it("is off by default, with PRIVACY_DEFAULTS ready and steps blank (one expected epoch)", () => {
    const text = initialPrivacyText();
    expect(text).toMatchObject({ enabled: false, epsilon: "", noise: "", steps: "" });
    expect([Number(text.delta), Number(text.clip), Number(text.sampling)]).toEqual([
      PRIVACY_DEFAULTS.delta,
      PRIVACY_DEFAULTS.clipNorm,
      PRIVACY_DEFAULTS.samplingRate,
    ]);
    expect(privacyDraft(text, 3)).toEqual({ status: "off" });
    expect(specOf(INITIAL_SPEC_FIELDS, undefined).spec).not.toHaveProperty("privacy");
  });

  it("derives the noise for a target epsilon as privacyFromOptions does for the same rounds, into the spec", () => {
    const text = dp({ epsilon: "3", sampling: "0.05" });
    const draft = privacyDraft(text, 4);
    const expected = privacyFromOptions({ epsilon: 3, delta: 1e-5, clip: 1, sampling: 0.05 }, 4)!;
    expect(draft).toEqual({ status: "ready", terms: expected, derived: "noise", rounds: 4 });
    expect(expected.stepsPerRound).toBe(20); // blank steps: 1 / sampling
    expect(specOf(INITIAL_SPEC_FIELDS, expected).spec?.privacy).toEqual(expected);
    // More rounds cost more: the same target needs more noise.
    const longer = privacyDraft(text, 8);
    expect(longer.status === "ready" && longer.terms.noiseMultiplier).toBeGreaterThan(expected.noiseMultiplier);
    expect(privacyFlags(text)).toBe("--dp-epsilon 3 --dp-delta 0.00001 --dp-clip 1 --dp-sampling 0.05");
  });

  it("reports the epsilon of a given noise, and reads an uploaded spec's terms back into the same terms", () => {
    const draft = privacyDraft(dp({ noise: "1.1", steps: "50", clip: "0.5" }), 3);
    const expected = privacyFromOptions({ noise: 1.1, delta: 1e-5, clip: 0.5, sampling: 0.01, steps: 50 }, 3)!;
    expect(draft).toEqual({ status: "ready", terms: expected, derived: "epsilon", rounds: 3 });
    const derivedNoise = privacyFromOptions({ epsilon: 2, sampling: 0.02 }, 5)!;
    expect(privacyDraft(privacyTextOf(derivedNoise), 5)).toMatchObject({ status: "ready", terms: derivedNoise });
  });

  it("puts each problem next to its field, in the form's words, and clears it once fixed", () => {
    const errorsOf = (patch: Partial<PrivacyText>, rounds = 3) => privacyErrors(privacyDraft(dp(patch), rounds));
    const both = errorsOf({ epsilon: "3", noise: "1.1" });
    expect(both.epsilon).toMatch(/give either the target epsilon or the noise multiplier .*\(one, not both\)/);
    expect(both.noise).toBe(both.epsilon);
    expect(errorsOf({}).epsilon).toMatch(/give a target epsilon .* or a noise multiplier/);
    expect(errorsOf({ epsilon: "3", sampling: "1.5" })).toEqual({
      sampling: "the sampling rate must be a probability in (0, 1], got 1.5",
    });
    expect(errorsOf({ epsilon: "3", delta: "1" })).toEqual({ delta: "delta must be a number in (0, 1), got 1" });
    // Fields wrong on their own are all reported at once.
    expect(Object.keys(errorsOf({ epsilon: "3", delta: "2", sampling: "0", steps: "2.5" })).sort()).toEqual([
      "delta",
      "sampling",
      "steps",
    ]);
    expect(errorsOf({ noise: "1.1", clip: "0.0000001" }).clip).toBe(
      "the per-record clip 1e-7 has more decimals than the chain keeps (6): round it",
    );
    expect(errorsOf({ noise: "abc" }).noise).toBe('the noise multiplier must be a number, got "abc"');
    // What the accountant finds goes to the field the owner typed: an unreachable epsilon, too little noise.
    expect(errorsOf({ epsilon: "0.01" }).epsilon).toMatch(/^the target epsilon 0.01 is unreachable at delta/);
    expect(errorsOf({ noise: "0.01" }, 300).noise).toMatch(/^the epsilon this noise gives must be a number in \(0,/);
    // Blank steps are one epoch, 1 / sampling: too many for a tiny sampling rate, said next to the steps.
    expect(errorsOf({ epsilon: "3", sampling: "0.0000001" })).toEqual({
      steps: "the steps per round must be an integer in [1, 1000000], got 10000000",
    });
    expect(privacyDraft(dp({ epsilon: "3", sampling: "0.5" }), 3).status).toBe("ready");
  });

  it("waits for valid rounds before running the accountant", () => {
    expect(privacyDraft(dp({ epsilon: "3" }), Number.NaN)).toEqual({ status: "needs-rounds" });
    expect(privacyDraft(dp({ epsilon: "3" }), 0)).toEqual({ status: "needs-rounds" });
  });
});

describe("draftTask with differential privacy", () => {
  const A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  const B = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
  const C = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
  const text = initialFormText();
  const form = (sampleCap: string) =>
    readForm({ ...text, codec: { ...text.codec, sampleCap }, participants: `${A} ${B} ${C}` });

  it("refuses a sample cap next to its field, and only with DP on", () => {
    const privacy = privacyDraft(dp({ epsilon: "3" }), 3);
    const capped = draftTask(form("100"), 62, undefined, privacy);
    expect(capped.fieldErrors).toEqual({ sampleCap: DP_SAMPLE_CAP_ERROR });
    expect(capped.errors).toEqual([]);
    expect(capped.settings).toBeUndefined();
    expect(draftTask(form("100"), 62).fieldErrors).toEqual({});
    expect(draftTask(form("0"), 62, undefined, privacy).fieldErrors).toEqual({});
  });

  it("lists the DP field errors among those that block creation", () => {
    const draft = draftTask(form("0"), 62, undefined, privacyDraft(dp({ epsilon: "3", sampling: "2" }), 3));
    expect(draft.errors).toEqual(["differential privacy: the sampling rate must be a probability in (0, 1], got 2"]);
    expect(draft.settings).toBeUndefined();
  });

  it("gives a createTask config carrying the spec's terms in the chain's units", () => {
    const privacy = privacyDraft(dp({ epsilon: "3", delta: "0.000001", sampling: "0.02", steps: "40" }), 3);
    if (privacy.status !== "ready") throw new Error(privacy.status);
    const spec = specOf(INITIAL_SPEC_FIELDS, privacy.terms).spec!;
    const draft = draftTask(form("0"), 62, undefined, privacy);
    const config = taskConfig(draft.settings!, {
      modelHash: "0x" + "22".repeat(32),
      modelURI: "data:",
      privacy: spec.privacy,
    });
    expect(config.privacy).toEqual(toOnChainPrivacy(privacy.terms));
    expect(Number(config.privacy.epsilonMicros)).toBeLessThanOrEqual(3_000_000);
  });
});

describe("CostPreview: the privacy promise", () => {
  it("states the promise with the derived noise and that it is fixed at creation", () => {
    const draft = privacyDraft(dp({ epsilon: "3" }), 3);
    if (draft.status !== "ready") throw new Error(draft.status);
    render(<CostPreview plan={undefined} participants={0} privacy={draft} />);
    const section = screen.getByRole("region", { name: "Differential privacy" });
    expect(within(section).getByTestId("privacy-promise").textContent).toBe(
      `Promise: ${describePrivacy(draft.terms)}.`,
    );
    expect(section.textContent).toContain(`Derived noise multiplier: ${draft.terms.noiseMultiplier}`);
    expect(section.textContent).toMatch(/cannot be changed after the task is created/);
  });

  it("reports the resulting epsilon of a given noise, and says when there is no DP", () => {
    const draft = privacyDraft(dp({ noise: "1.1" }), 3);
    if (draft.status !== "ready") throw new Error(draft.status);
    render(<CostPreview plan={undefined} participants={0} privacy={draft} />);
    expect(screen.getByText(new RegExp(`^Resulting epsilon: ${draft.terms.epsilon} over 3 round`))).toBeTruthy();
    cleanup();
    render(<CostPreview plan={undefined} participants={0} privacy={{ status: "off" }} />);
    expect(screen.getByTestId("privacy-promise").textContent).toBe(
      "No differential privacy (only encryption protects the updates).",
    );
  });
});

describe("CreateTask: differential privacy", () => {
  const input = (label: string | RegExp) => screen.getByLabelText(label) as HTMLInputElement;
  const type = (label: string, value: string) => fireEvent.change(input(label), { target: { value } });
  /** What a screen reader reads after the input's label: its explanation and its error. */
  const described = (label: string) =>
    (input(label).getAttribute("aria-describedby") ?? "")
      .split(" ")
      .map((id) => document.getElementById(id)?.textContent)
      .join(" | ");
  const lastSpec = () => asked.at(-1) as { privacy?: unknown } | undefined;
  const createButton = () => screen.getByRole("button", { name: "Create task" }) as HTMLButtonElement;

  it("puts the terms into the spec for the form's rounds and into createTask's config", async () => {
    render(<CreateTask />);
    expect(lastSpec()).not.toHaveProperty("privacy");
    expect(screen.queryByLabelText("Target epsilon (whole task)")).toBeNull();
    fireEvent.click(input(/Differential privacy for each participant/));
    expect(input(/Differential privacy for each participant/).getAttribute("aria-describedby")).toBeTruthy();

    // On without epsilon or noise: the error sits next to both, and there is no spec to commit to.
    expect(described("Target epsilon (whole task)")).toMatch(/all its rounds together.*\| give a target epsilon/);
    expect(input("Target epsilon (whole task)").getAttribute("aria-invalid")).toBe("true");
    expect(described("Noise multiplier")).toMatch(/give a target epsilon/);
    expect(lastSpec()).toBeUndefined();
    expect(input("Delta").value).toBe(String(PRIVACY_DEFAULTS.delta));

    type("Target epsilon (whole task)", "3");
    expect(input("Target epsilon (whole task)").getAttribute("aria-invalid")).toBeNull();
    await waitFor(() => expect(lastSpec()?.privacy).toEqual(privacyFromOptions({ epsilon: 3 }, 3)), {
      timeout: 10_000,
    });
    expect(screen.getByTestId("privacy-status").textContent).toMatch(
      /\(derived\).*epsilon .* over the task's 3 rounds/,
    );
    expect(screen.getByTestId("privacy-promise").textContent).toMatch(/^Promise: epsilon /);

    type("Rounds", "5");
    const five = privacyFromOptions({ epsilon: 3 }, 5)!;
    await waitFor(() => expect(lastSpec()?.privacy).toEqual(five), { timeout: 10_000 });

    type(
      "Participant addresses",
      [
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
        "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
      ].join("\n"),
    );
    expect(createButton().disabled).toBe(false);
    fireEvent.click(createButton());
    await waitFor(() => expect(run).toHaveBeenCalled());
    const [, , [config]] = run.mock.calls[0] as [string, unknown, [ReturnType<typeof taskConfig>, string[]]];
    expect(config.privacy).toEqual(toOnChainPrivacy(five));
    expect(config.rounds).toBe(5);

    // Off again: the spec carries no promise.
    fireEvent.click(input(/Differential privacy for each participant/));
    expect(lastSpec()).toBeDefined();
    expect(lastSpec()).not.toHaveProperty("privacy");
  });

  it("shows bad values and a sample cap next to their fields, blocks creation, and clears them when fixed", async () => {
    render(<CreateTask />);
    fireEvent.click(input(/Differential privacy for each participant/));
    type("Noise multiplier", "1.1");
    type("Sampling rate", "1.5");
    expect(described("Sampling rate")).toMatch(/\| the sampling rate must be a probability in \(0, 1\], got 1.5$/);
    type("Delta", "1");
    expect(described("Delta")).toMatch(/\| delta must be a number in \(0, 1\), got 1$/);
    expect(screen.getByRole("alert").textContent).toContain("differential privacy: delta must be");
    expect(createButton().disabled).toBe(true);
    type("Sampling rate", "0.01");
    type("Delta", "0.00001");
    expect(described("Sampling rate")).not.toMatch(/must be/);
    expect(input("Delta").getAttribute("aria-invalid")).toBeNull();

    type("FedAvg sample cap", "100");
    expect(described("FedAvg sample cap")).toContain(DP_SAMPLE_CAP_ERROR);
    expect(input("FedAvg sample cap").getAttribute("aria-invalid")).toBe("true");
    type("FedAvg sample cap", "0");
    expect(described("FedAvg sample cap")).not.toContain(DP_SAMPLE_CAP_ERROR);

    type("Target epsilon (whole task)", "3");
    await waitFor(() => expect(described("Noise multiplier")).toMatch(/one, not both/), { timeout: 10_000 });
    expect(described("Target epsilon (whole task)")).toMatch(/one, not both/);
    type("Noise multiplier", "");
    await waitFor(() => expect(lastSpec()?.privacy).toEqual(privacyFromOptions({ epsilon: 3 }, 3)), {
      timeout: 10_000,
    });
    expect(described("Noise multiplier")).not.toMatch(/one, not both/);
  });
});
