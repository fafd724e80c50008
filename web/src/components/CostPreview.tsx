import type { SubmissionPlan } from "../../../client/src/protocol/plan";
import { DEFAULT_COSTS } from "../../../client/src/protocol/prices";
import { formatCompact, formatFloat, formatInt } from "../format";

/** The planner's estimate for the settings on screen (client/src/codec/plan.ts planSubmission). */
export function CostPreview({ plan, participants }: { plan?: SubmissionPlan; participants: number }) {
  if (!plan) {
    return <p className="muted">The cost preview appears once the model and the settings are valid.</p>;
  }
  const { layout } = plan;
  const cohort = Math.max(participants, 1);
  const rows: [string, string][] = [
    ["Parameters", formatInt(layout.paramCount)],
    ["Lanes per word", `${layout.lanesPerWord} × ${layout.laneBits} bits`],
    ["Encrypted words", formatInt(layout.wordCount)],
    ["Transactions per participant per round", formatInt(plan.txPerParticipant)],
    ["Input proofs per participant per round", formatInt(plan.proofsPerParticipant)],
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
  return (
    <table data-testid="cost-preview">
      <caption className="visually-hidden">Estimated cost per round</caption>
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td className="num">{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
