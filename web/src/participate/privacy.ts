/**
 * A browser participant's side of differential privacy, as `flufhe node` does it (client/src/node/
 * taskSession): the task's promise read from the chain and checked against its spec before anything is
 * trained, every round trained charged to the data's ledger entry first (a refusal trains nothing), and
 * what the task's remaining rounds would bring the data to. No React.
 */
import type { TaskIdentity } from "../../../client/src/chain/taskIdentity";
import {
  DEFAULT_REPORT_DELTA,
  type DatasetAccount,
  type DatasetRef,
  type PrivacyLedger,
} from "../../../client/src/privacy/ledger";
import { epsilonOf, type SubsampledGaussian } from "../../../client/src/privacy/rdp";
import {
  checkPrivacyPromise,
  privacyFromChain,
  roundMechanism,
  type PrivacyTerms,
} from "../../../client/src/protocol/privacy";
import type { FLuFHEAggregator } from "../chain";

/** The task's promise as the contract stores it (undefined: none). */
export async function chainPrivacy(aggregator: FLuFHEAggregator, taskId: bigint): Promise<PrivacyTerms | undefined> {
  return privacyFromChain((await aggregator.getTask(taskId)).config.privacy);
}

/**
 * What is wrong with the task's promise (its spec and the chain disagree, or it understates epsilon for
 * the task's rounds: checkPrivacyPromise's message), or undefined when it may be trained on.
 */
export function promiseProblem(
  spec: PrivacyTerms | undefined,
  chain: PrivacyTerms | undefined,
  rounds: number,
): string | undefined {
  try {
    checkPrivacyPromise(spec, chain, rounds);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The ledger's name for a task: the node's, so charges read alike whichever runtime made them. */
export function ledgerTaskLabel(id: TaskIdentity): string {
  return `chain ${id.chainId} · ${id.aggregator} · task ${id.taskId} (block ${id.createdBlock})`;
}

/**
 * prepareRoundUpdate's chargePrivacy for one round: spends on the data's ledger entry (throws
 * PrivacyBudgetExceeded to refuse); a task without DP states no delta, so it is recorded at the usual one.
 */
export function chargeRound(
  ledger: PrivacyLedger,
  dataset: DatasetRef,
  task: string,
  round: number,
  terms: PrivacyTerms | undefined,
): (mechanism: SubsampledGaussian | null) => Promise<void> {
  return async (mechanism) => {
    await ledger.spend(dataset, { task, round, mechanism, delta: terms?.delta ?? DEFAULT_REPORT_DELTA });
  };
}

/** The node's flag in the ledger's refusal, in the page's words (the budget is set in the page). */
export function refusalInPage(message: string): string {
  return message.replace(
    "(flufhe node --privacy-budget, or the participate page's budget panel)",
    "(in the budget panel on this page)",
  );
}

/** What a task's rounds still to train would do to a data set. */
export interface TaskOutlook {
  /** The task's DP terms (undefined: it trains without DP). */
  terms?: PrivacyTerms;
  /** Rounds of the task the data would still be trained for (roundsLeft). */
  rounds: number[];
}

/**
 * The rounds of the task this data would still be trained for: from the current round while it is open
 * (else the next) to the last, without those already charged to it under this task.
 */
export function roundsLeft(
  task: { currentRound: number; rounds: number; currentOpen: boolean },
  charges: DatasetAccount["charges"],
  label: string,
): number[] {
  const first = task.currentRound === 0 ? 1 : task.currentRound + (task.currentOpen ? 0 : 1);
  const charged = new Set(charges.filter((c) => c.task === label).map((c) => c.round));
  const left: number[] = [];
  for (let r = first; r <= task.rounds; r++) if (!charged.has(r)) left.push(r);
  return left;
}

/**
 * Epsilon spent on the data at `delta` once `rounds` more rounds of a task under `terms` are charged
 * (RDP composition with everything already charged, as the ledger computes it); infinite for a task
 * without DP or data already used without it.
 */
export function epsilonAfter(
  charges: DatasetAccount["charges"],
  terms: PrivacyTerms | undefined,
  rounds: number,
  delta: number,
): number {
  if (rounds > 0 && !terms) return Infinity;
  const mechanisms: SubsampledGaussian[] = [];
  for (const c of charges) {
    if (c.mechanism === null) return Infinity;
    mechanisms.push(c.mechanism);
  }
  if (terms && rounds > 0) {
    const m = roundMechanism(terms);
    mechanisms.push({ ...m, steps: m.steps * rounds });
  }
  return epsilonOf(mechanisms, delta);
}
