/**
 * The participant's privacy ledger: per training set (keyed by a content fingerprint), the budget its
 * holder set and every differentially private training run that used it, across tasks and rounds.
 * A run that would take a data set past its budget is refused before any training happens, and a run
 * that is allowed is recorded before it starts (a crash mid-training still counts: conservative).
 * Epsilons are always recomputed from the recorded mechanisms by RDP composition, never summed.
 * No Node or browser APIs: the node keeps its ledger in files (node/privacyLedgerFile), the page in
 * IndexedDB (web/src/participate/privacyLedgerStore).
 */
import { concat, sha256 } from "ethers";
import { epsilonOf, type SubsampledGaussian } from "./rdp";

/** What a data holder allows to be spent on one data set: (epsilon, delta)-DP. */
export interface PrivacyBudget {
  epsilon: number;
  delta: number;
}

/**
 * One training run charged to a data set. `mechanism` is null for a run without differential privacy
 * (allowed only on a data set without a budget): its epsilon is infinite, and it stays on record.
 */
export interface LedgerCharge {
  /** Who spent it, human-readable: "chain 31337 · 0xabc… · task 3". */
  task: string;
  round: number;
  mechanism: SubsampledGaussian | null;
  /** ISO time the charge was recorded (before the training ran). */
  at: string;
}

/** Everything the ledger knows about one data set. */
export interface DatasetAccount {
  fingerprint: string;
  /** A name to recognise it by, e.g. the file name it was last loaded from. */
  label: string;
  budget?: PrivacyBudget;
  charges: LedgerCharge[];
}

/** Where accounts are kept (a directory of files for the node, IndexedDB for the page). */
export interface LedgerStore {
  load(fingerprint: string): Promise<DatasetAccount | undefined>;
  save(account: DatasetAccount): Promise<void>;
  list(): Promise<DatasetAccount[]>;
  /** Runs fn with exclusive access to this fingerprint's account (processes on one machine may share the data). */
  exclusive<T>(fingerprint: string, fn: () => Promise<T>): Promise<T>;
}

/** A data set as the ledger names it. */
export interface DatasetRef {
  fingerprint: string;
  label: string;
}

/** A training run about to happen: `delta` is the delta at which the task states its guarantee. */
export interface ChargeRequest {
  task: string;
  round: number;
  mechanism: SubsampledGaussian | null;
  delta: number;
}

/** An account as `report()` returns it: its spent epsilon, at `delta` (the budget's, or the report's default). */
export type AccountReport = DatasetAccount & { spent: number; delta: number };

/** The delta at which `report()` states spending on data sets that have no budget. */
export const DEFAULT_REPORT_DELTA = 1e-5;

const FINGERPRINT_TAG = "flufhe/dataset-fingerprint/v1";

/**
 * Content fingerprint of a training set: sha256 over its feature shape, class count, float32 features
 * and int32 labels (little-endian), so the same records in the same order give the same key whatever
 * the file is called. The arrays are hashed separately and the digests combined, so no copy of the
 * (possibly large) feature array is made.
 */
export function datasetFingerprint(data: {
  x: Float32Array;
  y: Int32Array;
  featureShape: number[];
  numClasses: number;
}): string {
  const header = JSON.stringify({
    tag: FINGERPRINT_TAG,
    featureShape: data.featureShape,
    numClasses: data.numClasses,
    samples: data.y.length,
    features: data.x.length,
  });
  const parts = [
    sha256(new TextEncoder().encode(header)),
    sha256(littleEndianBytes(data.x)),
    sha256(littleEndianBytes(data.y)),
  ];
  return sha256(concat(parts));
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The array's bytes in little-endian order: a view on little-endian machines, a swapped copy elsewhere. */
function littleEndianBytes(a: Float32Array | Int32Array): Uint8Array {
  const view = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (LITTLE_ENDIAN) return view;
  const out = new Uint8Array(view.length);
  for (let i = 0; i < view.length; i += 4) {
    out[i] = view[i + 3];
    out[i + 1] = view[i + 2];
    out[i + 2] = view[i + 1];
    out[i + 3] = view[i];
  }
  return out;
}

/** Throws unless epsilon is positive and finite and delta is in (0, 1). */
export function checkBudget(budget: PrivacyBudget): PrivacyBudget {
  if (!(Number.isFinite(budget.epsilon) && budget.epsilon > 0)) {
    throw new Error(`a privacy budget's epsilon must be a positive finite number, not ${budget.epsilon}`);
  }
  checkDelta(budget.delta, "a privacy budget's delta");
  return budget;
}

function checkDelta(delta: number, what: string): void {
  if (!(delta > 0 && delta < 1)) throw new Error(`${what} must be in (0, 1), not ${delta}`);
}

/** A mechanism recorded with garbage would break every later epsilon of its data set: refuse it first (rdp.ts's ranges). */
function checkMechanism(m: SubsampledGaussian): void {
  const ok =
    m.samplingRate >= 0 &&
    m.samplingRate <= 1 &&
    Number.isFinite(m.noiseMultiplier) &&
    m.noiseMultiplier >= 0 &&
    Number.isSafeInteger(m.steps) &&
    m.steps >= 0;
  if (!ok) throw new Error(`not a valid DP-SGD mechanism: ${JSON.stringify(m)}`);
}

function copyMechanism({ samplingRate, noiseMultiplier, steps }: SubsampledGaussian): SubsampledGaussian {
  return { samplingRate, noiseMultiplier, steps };
}

/** Epsilon spent on the account at `delta`: RDP composition of all its charges; infinite after a non-DP run. */
export function spentEpsilon(account: DatasetAccount, delta: number): number {
  return epsilonOfCharges(account.charges, delta);
}

function epsilonOfCharges(charges: readonly { mechanism: SubsampledGaussian | null }[], delta: number): number {
  const mechanisms: SubsampledGaussian[] = [];
  for (const c of charges) {
    if (c.mechanism === null) return Infinity;
    mechanisms.push(c.mechanism);
  }
  return epsilonOf(mechanisms, delta);
}

/** Why a run was refused: over budget, no DP on a budgeted data set, or a task delta weaker than the budget's. */
export type RefusalReason = "over-budget" | "not-private" | "delta";

/** A training run the ledger refused; nothing was recorded and nothing should be trained. */
export class PrivacyBudgetExceeded extends Error {
  constructor(
    message: string,
    readonly reason: RefusalReason,
    /** Epsilon already spent on the data set, at the budget's delta. */
    readonly spent: number,
    /** What the refused run would have brought it to. */
    readonly wouldSpend: number,
    readonly budget: PrivacyBudget,
  ) {
    super(message);
    this.name = "PrivacyBudgetExceeded";
  }
}

/** An epsilon for people: 4 significant digits, "∞" for a run without DP. */
export function formatEpsilon(epsilon: number): string {
  return Number.isFinite(epsilon) ? String(Number(epsilon.toPrecision(4))) : "∞";
}

const WHAT_TO_DO =
  "Nothing was trained. Join a task with more noise or fewer steps per round, or raise the data's privacy " +
  "budget (flufhe node --privacy-budget, or the participate page's budget panel) if the data holder accepts it.";

/** The data already went into a task without DP: spent is infinite and no task or budget can fit under it. */
const NO_BUDGET_FITS =
  "Nothing was trained. This data was already used without differential privacy (ε = ∞), so no budget " +
  "covers it; remove the budget only if the data holder accepts an unbounded loss.";

function datasetName(dataset: DatasetRef): string {
  return `data set "${dataset.label}" (${dataset.fingerprint.slice(0, 10)}…)`;
}

function describeBudget(b: PrivacyBudget): string {
  return `ε = ${formatEpsilon(b.epsilon)} at δ = ${b.delta}`;
}

/** The refusal for `charge` on an account with `budget`, or undefined when it fits. */
function refusal(
  dataset: DatasetRef,
  account: DatasetAccount,
  budget: PrivacyBudget,
  charge: ChargeRequest,
): PrivacyBudgetExceeded | undefined {
  const spent = spentEpsilon(account, budget.delta);
  const run = `${charge.task}, round ${charge.round}`;
  if (charge.mechanism === null) {
    const msg =
      `Refused: ${run} trains without differential privacy, and ${datasetName(dataset)} has a privacy budget ` +
      `(${describeBudget(budget)}; already spent ε = ${formatEpsilon(spent)}): it would spend ε = ∞. ` +
      `Nothing was trained. Join a task with differential privacy, or remove this data set's budget if the data holder accepts it.`;
    return new PrivacyBudgetExceeded(msg, "not-private", spent, Infinity, budget);
  }
  const wouldSpend = epsilonOfCharges([...account.charges, { mechanism: charge.mechanism }], budget.delta);
  if (charge.delta > budget.delta) {
    const msg =
      `Refused: ${run} states its guarantee at δ = ${charge.delta}, weaker than the δ = ${budget.delta} of the ` +
      `privacy budget of ${datasetName(dataset)} (${describeBudget(budget)}; already spent ε = ${formatEpsilon(spent)}). ` +
      `Nothing was trained. Join a task with δ ≤ ${budget.delta}, or set a budget at a larger δ if the data holder accepts it.`;
    return new PrivacyBudgetExceeded(msg, "delta", spent, wouldSpend, budget);
  }
  if (!(wouldSpend <= budget.epsilon)) {
    const msg =
      `Refused: ${run} would exceed the privacy budget of ${datasetName(dataset)}: budget ${describeBudget(budget)}, ` +
      `already spent ε = ${formatEpsilon(spent)}, this round would bring it to ε = ${formatEpsilon(wouldSpend)}. ${Number.isFinite(spent) ? WHAT_TO_DO : NO_BUDGET_FITS}`;
    return new PrivacyBudgetExceeded(msg, "over-budget", spent, wouldSpend, budget);
  }
  return undefined;
}

/** Budgets and spending of the participant's data sets, kept in a LedgerStore. */
export class PrivacyLedger {
  constructor(private readonly store: LedgerStore) {}

  /** Sets (or replaces) the budget of a data set; returns the previous one. */
  async setBudget(dataset: DatasetRef, budget: PrivacyBudget): Promise<PrivacyBudget | undefined> {
    checkBudget(budget);
    return this.store.exclusive(dataset.fingerprint, async () => {
      const account = await this.accountOf(dataset);
      await this.store.save({ ...account, label: dataset.label, budget: { ...budget } });
      return account.budget;
    });
  }

  /**
   * Under exclusive access: refuses (PrivacyBudgetExceeded) a run that would take a budgeted data set
   * past its budget, a run without DP on a budgeted data set, and a run whose task delta is larger than
   * the budget's; otherwise records the charge before the training runs and returns the epsilon spent
   * so far, this run included (at the budget's delta, or at the charge's delta when there is no budget).
   */
  async spend(dataset: DatasetRef, charge: ChargeRequest): Promise<{ spent: number; budget?: PrivacyBudget }> {
    checkCharge(charge);
    return this.store.exclusive(dataset.fingerprint, async () => {
      const account = await this.accountOf(dataset);
      const budget = account.budget;
      if (budget) {
        const refused = refusal(dataset, account, budget, charge);
        if (refused) throw refused;
      }
      const recorded: LedgerCharge = {
        task: charge.task,
        round: charge.round,
        mechanism: charge.mechanism && copyMechanism(charge.mechanism),
        at: new Date().toISOString(),
      };
      const updated = { ...account, label: dataset.label, charges: [...account.charges, recorded] };
      await this.store.save(updated);
      return { spent: spentEpsilon(updated, budget?.delta ?? charge.delta), ...(budget && { budget }) };
    });
  }

  /** Every data set with its budget, charges and spent epsilon (at its budget's delta, else `defaultDelta`). */
  async report(defaultDelta = DEFAULT_REPORT_DELTA): Promise<AccountReport[]> {
    checkDelta(defaultDelta, "the report's delta");
    const accounts = await this.store.list();
    return accounts
      .map((a) => {
        const delta = a.budget?.delta ?? defaultDelta;
        return { ...a, spent: spentEpsilon(a, delta), delta };
      })
      .sort((a, b) => a.label.localeCompare(b.label) || a.fingerprint.localeCompare(b.fingerprint));
  }

  private async accountOf(dataset: DatasetRef): Promise<DatasetAccount> {
    checkFingerprint(dataset.fingerprint);
    return (await this.store.load(dataset.fingerprint)) ?? { ...dataset, charges: [] };
  }
}

function checkCharge(charge: ChargeRequest): void {
  checkDelta(charge.delta, "a task's delta");
  if (!(Number.isInteger(charge.round) && charge.round >= 0)) throw new Error(`not a round: ${charge.round}`);
  if (charge.mechanism) checkMechanism(charge.mechanism);
}

const FINGERPRINT = /^0x[0-9a-f]{64}$/;

/** Throws unless `fingerprint` is one datasetFingerprint makes (0x and 64 lower-case hex digits). */
export function checkFingerprint(fingerprint: string): string {
  if (!FINGERPRINT.test(fingerprint)) throw new Error(`not a data set fingerprint: ${JSON.stringify(fingerprint)}`);
  return fingerprint;
}

/**
 * `value` as a DatasetAccount, or an error saying what is wrong with it: a stored account that does not
 * read back is corrupt, never taken as empty (that would silently reset a data set's spending).
 */
export function checkAccount(value: unknown): DatasetAccount {
  const a = value as Partial<DatasetAccount> | null;
  if (typeof a !== "object" || a === null) throw new Error("not an object");
  if (typeof a.fingerprint !== "string" || !FINGERPRINT.test(a.fingerprint)) throw new Error("no valid fingerprint");
  if (typeof a.label !== "string") throw new Error("no label");
  if (a.budget !== undefined) checkBudget(a.budget);
  if (!Array.isArray(a.charges)) throw new Error("no charges");
  a.charges.forEach(checkStoredCharge);
  return a as DatasetAccount;
}

function checkStoredCharge(c: LedgerCharge, i: number): void {
  const ok = typeof c === "object" && c !== null && typeof c.task === "string" && typeof c.at === "string";
  if (!ok || !(Number.isInteger(c.round) && c.round >= 0)) throw new Error(`charge ${i} is malformed`);
  if (c.mechanism !== null) {
    if (typeof c.mechanism !== "object") throw new Error(`charge ${i} has no mechanism`);
    checkMechanism(c.mechanism);
  }
}

/** Human-readable multi-line rendering of `report()` for the terminal. */
export function formatLedger(report: readonly AccountReport[]): string {
  if (report.length === 0) return "No data set is in the privacy ledger yet.";
  return report.map(formatAccount).join("\n\n");
}

function formatAccount(a: AccountReport): string {
  const budget = a.budget
    ? `budget ${describeBudget(a.budget)}, spent ε = ${formatEpsilon(a.spent)} (${percentOf(a.spent, a.budget.epsilon)})`
    : `no budget, spent ε = ${formatEpsilon(a.spent)} at δ = ${a.delta}`;
  const runs = a.charges.length === 1 ? "1 run" : `${a.charges.length} runs`;
  const lines = [`${a.label} (${a.fingerprint})`, `  ${budget}, ${runs}`];
  for (const c of a.charges) lines.push(`    ${c.at}  ${c.task}, round ${c.round}: ${formatMechanism(c.mechanism)}`);
  return lines.join("\n");
}

function percentOf(spent: number, epsilon: number): string {
  return Number.isFinite(spent) ? `${Math.round((100 * spent) / epsilon)}%` : "no guarantee left";
}

function formatMechanism(m: SubsampledGaussian | null): string {
  if (m === null) return "without differential privacy (ε = ∞)";
  return `sampling rate ${m.samplingRate}, noise multiplier ${m.noiseMultiplier}, ${m.steps} steps`;
}

/** A per-key promise chain: `exclusive` within one page or process (the memory store, the page's fallback). */
export function promiseChainLock(): <T>(key: string, fn: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const run = (tails.get(key) ?? Promise.resolve()).then(() => fn());
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => tails.get(key) === tail && tails.delete(key));
    return run;
  };
}

/** A LedgerStore in memory (tests; a page without IndexedDB, where the ledger lasts until the page closes). */
export function memoryLedgerStore(): LedgerStore {
  const accounts = new Map<string, DatasetAccount>();
  return {
    load: async (fingerprint) => {
      const a = accounts.get(fingerprint);
      return a && structuredClone(a);
    },
    save: async (account) => void accounts.set(account.fingerprint, structuredClone(account)),
    list: async () => [...accounts.values()].map((a) => structuredClone(a)),
    exclusive: promiseChainLock(),
  };
}
