"use client";

import { useState, type FormEvent } from "react";
import {
  DEFAULT_REPORT_DELTA,
  checkBudget,
  formatEpsilon,
  spentEpsilon,
  type DatasetAccount,
  type DatasetRef,
  type LedgerCharge,
  type PrivacyBudget as Budget,
} from "../../../client/src/privacy/ledger";
import { parseNumber, POSITIVE } from "../../../client/src/util/numbers";
import { shortAddress, shortHash } from "../format";
import { epsilonAfter, type TaskOutlook } from "../participate/privacy";
import { ErrorAlert, InputField } from "./forms";

/** Long labels and hashes wrap instead of widening the page on a phone. */
const WRAP = { overflowWrap: "anywhere" } as const;

const spanOf = (rounds: number[]) =>
  rounds.length === 1 ? `round ${rounds[0]}` : `rounds ${rounds[0]}–${rounds[rounds.length - 1]}`;

/** The first of `rounds` the ledger would refuse under `budget`, or undefined when all fit. */
function firstRefused(charges: LedgerCharge[], outlook: TaskOutlook, budget: Budget): number | undefined {
  const { terms, rounds } = outlook;
  if (rounds.length === 0) return undefined;
  if (!terms || terms.delta > budget.delta) return rounds[0];
  const k = rounds.findIndex((_, i) => !(epsilonAfter(charges, terms, i + 1, budget.delta) <= budget.epsilon));
  return k < 0 ? undefined : rounds[k];
}

/** Spent so far on the data, over every task, against its budget when it has one. */
function Spent({ account }: { account?: DatasetAccount }) {
  const budget = account?.budget;
  const delta = budget?.delta ?? DEFAULT_REPORT_DELTA;
  const spent = account ? spentEpsilon(account, delta) : 0;
  const runs = account?.charges.length ?? 0;
  const used = `${runs} round${runs === 1 ? "" : "s"} trained on it (all tasks)`;
  return (
    <p data-testid="privacy-spent" data-spent={spent} data-budget={budget?.epsilon}>
      {budget
        ? `Budget ε = ${formatEpsilon(budget.epsilon)} at δ = ${budget.delta}; spent ε = ${formatEpsilon(spent)}, ${used}.`
        : `No budget set: every round is recorded, none is refused. Spent ε = ${formatEpsilon(spent)} at δ = ${delta}, ${used}.`}
    </p>
  );
}

/** What this task's remaining rounds would bring the data to, and whether the budget allows them. */
function Outlook({ account, outlook }: { account?: DatasetAccount; outlook: TaskOutlook }) {
  const { terms, rounds } = outlook;
  if (rounds.length === 0) return <p className="hint">No round of this task is left to train on this data.</p>;
  const budget = account?.budget;
  const charges = account?.charges ?? [];
  const delta = budget?.delta ?? terms?.delta ?? DEFAULT_REPORT_DELTA;
  const after = epsilonAfter(charges, terms, rounds.length, delta);
  const refused = budget && firstRefused(charges, outlook, budget);
  const what = terms
    ? `This task's ${spanOf(rounds)} would bring this data to ε = ${formatEpsilon(after)} at δ = ${delta}`
    : `This task trains without differential privacy: its ${spanOf(rounds)} would leave this data with no guarantee (ε = ∞)`;
  const verdict = !budget
    ? "."
    : refused === undefined
      ? `, within its budget of ε = ${formatEpsilon(budget.epsilon)}.`
      : `: the budget refuses ${refused === rounds[0] ? "it" : `it from round ${refused} on`} (nothing would be trained).`;
  return (
    <p
      data-testid="privacy-outlook"
      data-epsilon={after}
      data-refused-from={refused}
      className={refused === undefined ? undefined : "warning-text"}
    >
      {what}
      {verdict}
    </p>
  );
}

/** Sets or replaces the data's budget: epsilon (required) and delta (default 1e-5). */
function BudgetForm({ budget, onSet }: { budget?: Budget; onSet: (b: Budget) => Promise<void> }) {
  const [epsilon, setEpsilon] = useState(budget ? String(budget.epsilon) : "");
  const [delta, setDelta] = useState(String(budget?.delta ?? DEFAULT_REPORT_DELTA));
  const [status, setStatus] = useState<{ error?: string; saved?: string }>({});
  // The stored budget arrives after the first render (and changes when set): the fields follow it.
  const stored = budget && `${budget.epsilon}/${budget.delta}`;
  const [shown, setShown] = useState(stored);
  if (stored !== shown) {
    setShown(stored);
    if (budget) {
      setEpsilon(String(budget.epsilon));
      setDelta(String(budget.delta));
    }
  }
  const submit = (e: FormEvent) => {
    e.preventDefault();
    let next: Budget;
    try {
      next = checkBudget({
        epsilon: parseNumber("the budget's epsilon", epsilon, POSITIVE),
        delta: parseNumber("the budget's delta", delta, POSITIVE),
      });
    } catch (error) {
      setStatus({ error: (error as Error).message });
      return;
    }
    onSet(next).then(
      () => setStatus({ saved: `Budget set: ε = ${formatEpsilon(next.epsilon)} at δ = ${next.delta}.` }),
      (error: unknown) => setStatus({ error: (error as Error).message }),
    );
  };
  return (
    <form onSubmit={submit} aria-label="Privacy budget of your data">
      <div className="grid">
        <InputField
          label="Budget epsilon"
          hint="The most all tasks together may reveal about any one record of this file (smaller is more private)."
          inputMode="decimal"
          value={epsilon}
          onChange={(e) => setEpsilon(e.target.value)}
        />
        <InputField
          label="Budget delta"
          hint="The chance the epsilon bound may fail; a task whose delta is larger is refused."
          inputMode="decimal"
          value={delta}
          onChange={(e) => setDelta(e.target.value)}
        />
      </div>
      <div className="actions" style={{ marginTop: "0.5rem" }}>
        <button type="submit">{budget ? "Replace the budget" : "Set the budget"}</button>
        {status.saved && (
          <span role="status" className="ok-text">
            {status.saved}
          </span>
        )}
      </div>
      <ErrorAlert message={status.error} />
    </form>
  );
}

function describeCharge(c: LedgerCharge): string {
  if (c.mechanism === null) return "without differential privacy (ε = ∞)";
  const m = c.mechanism;
  return `DP-SGD: ${m.steps} steps, sampling ${m.samplingRate}, noise ${m.noiseMultiplier}`;
}

/** A ledger task label with its aggregator address shortened (the full label is the item's title). */
const shortLabel = (task: string) => task.replace(/0x[0-9a-fA-F]{40}/g, (a) => shortAddress(a));

/** Every round charged to the data, by any task: a list, which reads on a phone where a table would not. */
function Charges({ charges }: { charges: LedgerCharge[] }) {
  if (charges.length === 0)
    return <p className="muted">Nothing has been trained on this data from this browser yet.</p>;
  return (
    <ul aria-label="Rounds charged to your data">
      {charges.map((c, i) => (
        <li key={i} data-testid="privacy-charge" style={WRAP}>
          <span title={c.task}>{shortLabel(c.task)}</span>, round {c.round}: {describeCharge(c)}{" "}
          <span className="hint">(recorded {new Date(c.at).toLocaleString()})</span>
        </li>
      ))}
    </ul>
  );
}

/**
 * The picked data's privacy ledger entry in this browser: its budget (set here), what every task spent
 * on it, what this task would bring it to, and every charge; says when the ledger lasts only for the visit.
 */
export function PrivacyBudget({
  kind,
  dataset,
  account,
  error,
  outlook,
  onSetBudget,
}: {
  kind: "indexeddb" | "memory";
  dataset?: DatasetRef;
  account?: DatasetAccount;
  error?: string;
  outlook: TaskOutlook;
  onSetBudget: (budget: Budget) => Promise<void>;
}) {
  return (
    <section className="panel" aria-labelledby="budget-heading">
      <h2 id="budget-heading">Your data&apos;s privacy budget</h2>
      <p className="hint">
        Kept in this browser only. Every round trained on a file is charged to it before training starts; a round that
        would take the file past its budget is refused and nothing is trained or sent.
      </p>
      {kind === "memory" && (
        <p role="note" className="notice warn" data-testid="ledger-in-memory">
          This browser gives the page no IndexedDB, so the ledger is kept in memory: budgets and charges are lost when
          this page closes, and later visits start from nothing.
        </p>
      )}
      {!dataset ? (
        <p className="muted">Pick your data file to see and set its budget.</p>
      ) : (
        <>
          <p style={WRAP}>
            Data: <strong>{dataset.label}</strong>{" "}
            <code title={`the sha256 of the file's bytes: ${dataset.fingerprint}`}>
              {shortHash(dataset.fingerprint)}
            </code>
          </p>
          <Spent account={account} />
          <Outlook account={account} outlook={outlook} />
          <BudgetForm key={dataset.fingerprint} budget={account?.budget} onSet={onSetBudget} />
          <h3 style={{ marginTop: "1rem" }}>Charges</h3>
          <Charges charges={account?.charges ?? []} />
        </>
      )}
      <ErrorAlert message={error} />
    </section>
  );
}
