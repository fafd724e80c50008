import { useSyncExternalStore, type ReactNode } from "react";
import { approxDuration, defaultEncryptThreads, threadsLabel } from "../../../client/src/protocol/clientCost";
import { withClientThreads, type SubmissionPlan } from "../../../client/src/protocol/plan";
import { DEFAULT_COSTS } from "../../../client/src/protocol/prices";
import { describePrivacy } from "../../../client/src/protocol/privacy";
import { formatCompact, formatFloat, formatInt } from "../format";
import type { PrivacyDraft } from "../privacyForm";
import { Term } from "./Term";

/** A compressing encoding's plan shown beside the same choices with today's codec. */
export interface CostComparison {
  /** The encoding's name (encodingName: "dct:10", "randk:5", ...). */
  encoding: string;
  uncompressed: SubmissionPlan;
}

/** A row header: the words it names explained where they appear (Term), the row's key being its plain text. */
const ROW_TERMS: Record<string, ReactNode> = {
  "Lanes per word": (
    <>
      <Term id="lanes">Lanes</Term> per word
    </>
  ),
  "Encrypted words": <Term id="words">Encrypted words</Term>,
  "Gas per participant per round": (
    <>
      <Term id="gas">Gas</Term> per participant per round
    </>
  ),
  "HCU per participant per round": (
    <>
      <Term id="HCU">HCU</Term> per participant per round
    </>
  ),
};

/**
 * The encryption threads a participant on this machine would use by default (every core but one): the
 * browser's navigator.hardwareConcurrency (1 where the page cannot tell).
 */
export function pageEncryptThreads(): number {
  const cores = typeof navigator === "undefined" ? undefined : navigator.hardwareConcurrency;
  return defaultEncryptThreads(Number.isInteger(cores) && cores! >= 1 ? cores! : 1);
}

const unchanging = () => () => {};

/** pageEncryptThreads once the page runs in the browser (1 while prerendered, so hydration matches). */
function usePageEncryptThreads(): number {
  return useSyncExternalStore(unchanging, pageEncryptThreads, () => 1);
}

/** The row headers of the real-network client encryption estimate: one thread and `threads` (this machine's). */
export const CLIENT_ONE_THREAD_ROW = "Real-network client encryption per participant per round, 1 thread";
export function clientThreadsRow(threads: number): string {
  return `Real-network client encryption per participant per round, ${threadsLabel(threads)} (this machine)`;
}

/**
 * The figures of one plan, row by row; `valuesLabel` names what the chain's paramCount counts. The
 * real-network encryption rows are per participant per round: one thread measured, the machine's threads
 * (when more than one) estimated (client/src/protocol/clientCost.ts).
 */
function rowsOf(planned: SubmissionPlan, cohort: number, valuesLabel: string, threads: number): [string, string][] {
  const plan = withClientThreads(planned, threads);
  const { layout } = plan;
  return [
    [valuesLabel, formatInt(layout.paramCount)],
    ["Lanes per word", `${layout.lanesPerWord} × ${layout.laneBits} bits`],
    ["Encrypted words", formatInt(layout.wordCount)],
    ["Transactions per participant per round", formatInt(plan.txPerParticipant)],
    ["Input proofs per participant per round", formatInt(plan.proofsPerParticipant)],
    [CLIENT_ONE_THREAD_ROW, approxDuration(plan.clientProofSeconds)],
    ...(threads > 1
      ? [
          [clientThreadsRow(threads), `${approxDuration(plan.clientProofSecondsAtThreads)} (estimate)`] as [
            string,
            string,
          ],
        ]
      : []),
    ["Gas per participant per round", formatCompact(plan.gasPerParticipant)],
    ["HCU per participant per round", formatCompact(plan.hcuPerParticipant)],
    ["Gas / HCU per parameter", `${formatFloat(plan.gasPerParam, 3)} / ${formatFloat(plan.hcuPerParam, 3)}`],
    [
      "Largest transaction",
      `${formatCompact(plan.maxChunkGas)} gas of ${formatCompact(DEFAULT_COSTS.gasPerTx)}, ` +
        `${formatCompact(plan.maxChunkHcu)} HCU of ${formatCompact(DEFAULT_COSTS.hcuPerTx)}`,
    ],
    [
      `Whole round (${cohort} participant${cohort === 1 ? "" : "s"})`,
      `${formatInt(plan.txPerParticipant * cohort)} transactions, ${formatCompact(plan.gasPerParticipant * cohort)} gas, ` +
        `${formatCompact(plan.hcuPerParticipant * cohort)} HCU`,
    ],
  ];
}

/**
 * The task's DP promise as the chain will store it (describePrivacy), with the figure the accountant
 * derived, and the reminder that it cannot change after creation.
 */
export function PrivacyPromise({ privacy }: { privacy: PrivacyDraft }) {
  let body;
  if (privacy.status === "off") {
    const none = describePrivacy(undefined);
    body = <p data-testid="privacy-promise">{none[0].toUpperCase() + none.slice(1)}.</p>;
  } else if (privacy.status !== "ready") {
    body = <p className="muted">The privacy promise appears once its settings and the rounds are valid.</p>;
  } else {
    const { terms, derived, rounds } = privacy;
    body = (
      <>
        <p data-testid="privacy-promise">Promise: {describePrivacy(terms)}.</p>
        <p>
          {derived === "noise"
            ? `Derived noise multiplier: ${terms.noiseMultiplier}, the smallest that keeps epsilon at or below the target over ${rounds} round(s).`
            : `Resulting epsilon: ${terms.epsilon} over ${rounds} round(s) at noise ${terms.noiseMultiplier}.`}
        </p>
        <p className="warning-text">
          The differential-privacy terms are part of the model commitment and stored on chain: they cannot be changed
          after the task is created.
        </p>
      </>
    );
  }
  return (
    <section aria-labelledby="privacy-promise-heading">
      <h3 id="privacy-promise-heading">Differential privacy</h3>
      {body}
    </section>
  );
}

/**
 * The planner's estimate for the settings on screen (client/src/protocol/plan.ts planSubmission); with a
 * compressing encoding, its figures beside the same choices uncompressed (one value per model parameter).
 * With `privacy`, the task's DP promise follows the figures.
 */
export function CostPreview({
  plan,
  participants,
  compare,
  privacy,
}: {
  plan?: SubmissionPlan;
  participants: number;
  compare?: CostComparison;
  privacy?: PrivacyDraft;
}) {
  return (
    <>
      <PlanFigures plan={plan} participants={participants} compare={compare} />
      {privacy && <PrivacyPromise privacy={privacy} />}
    </>
  );
}

/** The plan's figures, alone or beside the uncompressed plan. */
function PlanFigures({
  plan,
  participants,
  compare,
}: {
  plan?: SubmissionPlan;
  participants: number;
  compare?: CostComparison;
}) {
  const threads = usePageEncryptThreads();
  if (!plan) {
    return <p className="muted">The cost preview appears once the model and the settings are valid.</p>;
  }
  const cohort = Math.max(participants, 1);
  if (!compare) {
    return (
      <table data-testid="cost-preview">
        <caption className="visually-hidden">Estimated cost per round</caption>
        <tbody>
          {rowsOf(plan, cohort, "Parameters", threads).map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{ROW_TERMS[k] ?? k}</th>
              <td className="num">{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  const base = compare.uncompressed;
  const rows = rowsOf(plan, cohort, "Values sent (with weight digits)", threads);
  const baseRows = rowsOf(base, cohort, "", threads);
  return (
    <table data-testid="cost-preview">
      <caption className="hint" style={{ textAlign: "left" }}>
        {formatInt(base.layout.paramCount)} model parameters; {compare.encoding} sends{" "}
        {formatFloat(base.layout.wordCount / plan.layout.wordCount, 3)}× fewer encrypted words than the same settings
        uncompressed.
      </caption>
      <thead>
        <tr>
          <td />
          <th scope="col" className="num">
            {compare.encoding}
          </th>
          <th scope="col" className="num">
            uncompressed
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([k, v], i) => (
          <tr key={k}>
            <th scope="row">{ROW_TERMS[k] ?? k}</th>
            <td className="num">{v}</td>
            <td className="num">{baseRows[i][1]}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
