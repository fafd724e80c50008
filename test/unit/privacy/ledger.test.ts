import { describe, expect, it } from "vitest";
import {
  PrivacyBudgetExceeded,
  PrivacyLedger,
  datasetFingerprint,
  formatLedger,
  memoryLedgerStore,
  spentEpsilon,
  type ChargeRequest,
  type LedgerStore,
} from "../../../client/src/privacy/ledger";
import { epsilonOf, type SubsampledGaussian } from "../../../client/src/privacy/rdp";

const data = {
  x: Float32Array.from([0.5, -1, 2, 0.25, 3, 4]),
  y: Int32Array.from([0, 1, 1]),
  featureShape: [2],
  numClasses: 2,
};
const dataset = { fingerprint: datasetFingerprint(data), label: "train.csv" };
const TASK = "chain 31337 · 0x5FbD… · task 3";
const noisy: SubsampledGaussian = { samplingRate: 0.01, noiseMultiplier: 1.1, steps: 100 };
const lessNoisy: SubsampledGaussian = { samplingRate: 0.02, noiseMultiplier: 0.9, steps: 200 };
const charge = (round: number, mechanism: SubsampledGaussian | null, delta = 1e-5): ChargeRequest => ({
  task: TASK,
  round,
  mechanism,
  delta,
});

/** A ledger with the data set's budget set to `epsilon` at delta 1e-5 (none when undefined). */
async function ledgerWith(epsilon?: number, store: LedgerStore = memoryLedgerStore()) {
  const ledger = new PrivacyLedger(store);
  if (epsilon !== undefined) await ledger.setBudget(dataset, { epsilon, delta: 1e-5 });
  return { ledger, store };
}

async function refusalOf(p: Promise<unknown>): Promise<PrivacyBudgetExceeded> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PrivacyBudgetExceeded);
  return error as PrivacyBudgetExceeded;
}

describe("privacy ledger", () => {
  it("records a charge and returns the epsilon spent, this round included", async () => {
    const { ledger, store } = await ledgerWith(10);
    const result = await ledger.spend(dataset, charge(1, noisy));
    expect(result.spent).toBeCloseTo(epsilonOf([noisy], 1e-5), 12);
    expect(result.budget).toEqual({ epsilon: 10, delta: 1e-5 });
    const account = await store.load(dataset.fingerprint);
    expect(account?.charges).toEqual([{ task: TASK, round: 1, mechanism: noisy, at: expect.any(String) }]);
    expect(Date.parse(account!.charges[0].at)).not.toBeNaN();
  });

  it("composes charges by RDP: spent after two runs is epsilonOf both mechanisms, not the sum of epsilons", async () => {
    const { ledger, store } = await ledgerWith(50);
    await ledger.spend(dataset, charge(1, noisy));
    const { spent } = await ledger.spend(dataset, charge(2, lessNoisy));
    expect(spent).toBeCloseTo(epsilonOf([noisy, lessNoisy], 1e-5), 12);
    expect(spent).toBeLessThan(epsilonOf([noisy], 1e-5) + epsilonOf([lessNoisy], 1e-5));
    expect(spentEpsilon((await store.load(dataset.fingerprint))!, 1e-5)).toBe(spent);
  });

  it("refuses a round that would exceed the budget, says why and what to do, and records nothing", async () => {
    const before = epsilonOf([noisy], 1e-5);
    const after = epsilonOf([noisy, lessNoisy], 1e-5);
    const budget = (before + after) / 2;
    const { ledger, store } = await ledgerWith(budget);
    await ledger.spend(dataset, charge(1, noisy));
    const refused = await refusalOf(ledger.spend(dataset, charge(2, lessNoisy)));
    expect(refused).toMatchObject({ reason: "over-budget", budget: { epsilon: budget, delta: 1e-5 } });
    expect(refused.spent).toBeCloseTo(before, 12);
    expect(refused.wouldSpend).toBeCloseTo(after, 12);
    expect(refused.message).toContain(`data set "train.csv" (${dataset.fingerprint.slice(0, 10)}`);
    expect(refused.message).toContain(`${TASK}, round 2`);
    expect(refused.message).toContain(`budget ε = ${Number(budget.toPrecision(4))} at δ = 0.00001`);
    expect(refused.message).toContain(`already spent ε = ${Number(before.toPrecision(4))}`);
    expect(refused.message).toContain(`would bring it to ε = ${Number(after.toPrecision(4))}`);
    expect(refused.message).toMatch(
      /Nothing was trained.*more noise or fewer steps.*raise the data's privacy budget \(flufhe node --privacy-budget/,
    );
    expect((await store.load(dataset.fingerprint))?.charges).toHaveLength(1);
  });

  it("says no budget can cover data already used without DP, instead of suggesting more noise", async () => {
    const { ledger } = await ledgerWith();
    await ledger.spend(dataset, charge(1, null));
    await ledger.setBudget(dataset, { epsilon: 8, delta: 1e-5 });
    const refused = await refusalOf(ledger.spend(dataset, charge(2, noisy)));
    expect(refused).toMatchObject({ reason: "over-budget", spent: Infinity });
    expect(refused.message).toMatch(/already used without differential privacy \(ε = ∞\), so no budget covers it/);
    expect(refused.message).not.toMatch(/more noise/);
  });

  it("a run that lands exactly on the budget is allowed", async () => {
    const { ledger } = await ledgerWith(epsilonOf([noisy], 1e-5));
    await expect(ledger.spend(dataset, charge(1, noisy))).resolves.toMatchObject({ spent: epsilonOf([noisy], 1e-5) });
  });

  it("refuses a task without DP on a data set with a budget (infinite epsilon), and records nothing", async () => {
    const { ledger, store } = await ledgerWith(8);
    const refused = await refusalOf(ledger.spend(dataset, charge(1, null)));
    expect(refused).toMatchObject({ reason: "not-private", spent: 0, wouldSpend: Infinity });
    expect(refused.message).toMatch(/without differential privacy.*"train\.csv".*ε = ∞/);
    expect((await store.load(dataset.fingerprint))?.charges).toEqual([]);
  });

  it("allows a task without DP on a data set without a budget, and keeps it on record (spent becomes infinite)", async () => {
    const { ledger, store } = await ledgerWith();
    expect(await ledger.spend(dataset, charge(1, null))).toEqual({ spent: Infinity });
    expect((await store.load(dataset.fingerprint))?.charges).toMatchObject([{ round: 1, mechanism: null }]);
    // A budget set afterwards cannot be kept: the data was already trained on without a guarantee.
    await ledger.setBudget(dataset, { epsilon: 8, delta: 1e-5 });
    expect((await refusalOf(ledger.spend(dataset, charge(2, noisy)))).spent).toBe(Infinity);
  });

  it("without a budget, reports spending at the charge's delta", async () => {
    const { ledger } = await ledgerWith();
    expect((await ledger.spend(dataset, charge(1, noisy, 1e-6))).spent).toBeCloseTo(epsilonOf([noisy], 1e-6), 12);
  });

  it("refuses a task whose delta is larger than the budget's, saying so; a smaller one is converted at the budget's", async () => {
    const { ledger, store } = await ledgerWith(50);
    const refused = await refusalOf(ledger.spend(dataset, charge(1, noisy, 1e-3)));
    expect(refused.reason).toBe("delta");
    expect(refused.message).toMatch(
      /δ = 0\.001, weaker than the δ = 0\.00001 of the privacy budget of data set "train\.csv"/,
    );
    expect((await store.load(dataset.fingerprint))?.charges).toEqual([]);
    expect((await ledger.spend(dataset, charge(1, noisy, 1e-7))).spent).toBeCloseTo(epsilonOf([noisy], 1e-5), 12);
  });

  it("setBudget returns the previous budget and validates its input", async () => {
    const { ledger } = await ledgerWith();
    expect(await ledger.setBudget(dataset, { epsilon: 8, delta: 1e-5 })).toBeUndefined();
    expect(await ledger.setBudget(dataset, { epsilon: 4, delta: 1e-6 })).toEqual({ epsilon: 8, delta: 1e-5 });
    for (const bad of [
      { epsilon: 0, delta: 1e-5 },
      { epsilon: -1, delta: 1e-5 },
      { epsilon: Infinity, delta: 1e-5 },
      { epsilon: NaN, delta: 1e-5 },
      { epsilon: 1, delta: 0 },
      { epsilon: 1, delta: 1 },
    ]) {
      await expect(ledger.setBudget(dataset, bad)).rejects.toThrow(/privacy budget's (epsilon|delta)/);
    }
  });

  it("report() gives each data set its spending at its budget's delta, and formatLedger renders it", async () => {
    const { ledger } = await ledgerWith(10);
    await ledger.spend(dataset, charge(1, noisy));
    const other = { fingerprint: datasetFingerprint({ ...data, numClasses: 3 }), label: "other.csv" };
    await ledger.spend(other, charge(4, null));
    const report = await ledger.report();
    expect(report.map((a) => [a.label, a.delta, a.charges.length])).toEqual([
      ["other.csv", 1e-5, 1],
      ["train.csv", 1e-5, 1],
    ]);
    expect(report[1].spent).toBeCloseTo(epsilonOf([noisy], 1e-5), 12);
    const text = formatLedger(report);
    expect(text).toContain(`train.csv (${dataset.fingerprint})`);
    expect(text).toMatch(/budget ε = 10 at δ = 0\.00001, spent ε = [\d.]+ \(\d+%\), 1 run/);
    expect(text).toContain(`${TASK}, round 1: sampling rate 0.01, noise multiplier 1.1, 100 steps`);
    expect(text).toContain("without differential privacy (ε = ∞)");
    expect(formatLedger([])).toMatch(/No data set/);
  });

  it("runs of several callers on one data set take turns: none is lost", async () => {
    const { ledger, store } = await ledgerWith(1000);
    await Promise.all(Array.from({ length: 8 }, (_, i) => ledger.spend(dataset, charge(i, noisy))));
    expect((await store.load(dataset.fingerprint))?.charges.map((c) => c.round).sort()).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7,
    ]);
  });

  it("refuses a malformed charge before recording anything", async () => {
    const { ledger, store } = await ledgerWith();
    await expect(ledger.spend(dataset, charge(1, { ...noisy, steps: 1.5 }))).rejects.toThrow(/not a valid DP-SGD/);
    await expect(ledger.spend(dataset, charge(1, noisy, 0))).rejects.toThrow(/task's delta/);
    await expect(ledger.spend({ fingerprint: "train.csv", label: "x" }, charge(1, noisy))).rejects.toThrow(
      /fingerprint/,
    );
    expect(await store.list()).toEqual([]);
  });
});

describe("datasetFingerprint", () => {
  it("is stable, a 32-byte hex, and the same for a copy of the same records", () => {
    const copy = { x: Float32Array.from(data.x), y: Int32Array.from(data.y), featureShape: [2], numClasses: 2 };
    expect(dataset.fingerprint).toMatch(/^0x[0-9a-f]{64}$/);
    expect(datasetFingerprint(copy)).toBe(dataset.fingerprint);
  });

  it("hashes only the array's own view of a shared buffer", () => {
    const buffer = new ArrayBuffer(64);
    const x = new Float32Array(buffer, 8, 6);
    x.set(data.x);
    const y = new Int32Array(buffer, 40, 3);
    y.set(data.y);
    expect(datasetFingerprint({ ...data, x, y })).toBe(dataset.fingerprint);
  });

  it("changes with one label, one feature, the shape or the class count", () => {
    const y = Int32Array.from(data.y);
    y[2] = 0;
    const x = Float32Array.from(data.x);
    x[5] = 4.0001;
    const variants = [
      { ...data, y },
      { ...data, x },
      { ...data, featureShape: [1, 2] },
      { ...data, numClasses: 3 },
    ].map(datasetFingerprint);
    expect(new Set([dataset.fingerprint, ...variants]).size).toBe(5);
  });
});
