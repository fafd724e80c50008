/**
 * The global model the next round starts from, rebuilt in the page exactly as the nodes rebuild it
 * (client/src/node: the task's seeded initial model, then float32(global + decoded average) per revealed
 * round, unchanged after a failed round) and hashed with the same modelCommitment. Planning is pure:
 * which stored model to start from and which revealed rounds must be decrypted; running the plan takes
 * the decrypted averages and checks every intermediate model against the commitment the chain recorded
 * for it. No React, no chain access here.
 */
import { applyDelta } from "../../../client/src/node/model";
import { modelCommitment, type ModelSpec } from "../../../client/src/protocol/modelSpec";
import type { TaskSnapshot } from "../chain";
import type { GlobalModel, LineageRecord } from "./store";

/** Rounds 1..settledRound(task) are over (revealed or failed): the model after it is the next round's. */
export function settledRound(task: Pick<TaskSnapshot, "currentRound" | "roundInfos">): number {
  const current = task.roundInfos[task.currentRound - 1];
  if (!current) return 0;
  return current.state === "Revealed" || current.state === "Failed" ? task.currentRound : task.currentRound - 1;
}

/**
 * The commitment the chain holds for the model after round `j`: the task's model for j = 0, else the
 * commitment round j + 1 opened with (undefined while round j + 1 is not open).
 */
export function chainCommitmentAfter(
  task: Pick<TaskSnapshot, "modelHash" | "roundInfos">,
  j: number,
): string | undefined {
  return j === 0 ? task.modelHash : task.roundInfos[j]?.globalModelHash;
}

export interface RebuildPlan {
  /** The model wanted: the one after this round (settledRound). */
  target: number;
  /** Start from the model after this round (0 with `buildInitial`: built from the spec). */
  from: number;
  /** Commitment of the starting model (a verified stored one, or the task's model). */
  fromCommitment: string;
  /** No stored copy of the initial model: build it from the spec (tfjs, seeded). */
  buildInitial: boolean;
  /** Revealed rounds after `from` up to `target` whose aggregate must be decrypted, oldest first. */
  decrypt: number[];
  /**
   * The account may not decrypt some revealed round (it joined later): the rebuild has to start from
   * the model after the last such round, committed on chain, which this browser does not hold yet.
   * Loading that model file (from the owner or a participant) lets the plan start there.
   */
  needsModel?: { afterRound: number; commitment?: string };
}

/**
 * Where the rebuild starts: the latest round j <= target whose model this browser holds, verified
 * (`verified`: commitments whose stored weights hashed correctly). For j below the target the chain
 * names the commitment; for the target itself (not committed while the next round is closed) a lineage
 * record counts only if its parent is the commitment the chain holds for the round before, or it is the
 * chain's own. A failed target round leaves the model unchanged.
 */
export function planRebuild(
  task: Pick<TaskSnapshot, "modelHash" | "roundInfos" | "currentRound">,
  lineage: readonly LineageRecord[],
  verified: ReadonlySet<string>,
  /** Whether the account rebuilding may decrypt a round (default: every round). */
  mayDecrypt: (round: number) => boolean = () => true,
): RebuildPlan {
  const target = settledRound(task);
  const after = (j: number): string | undefined => {
    const onChain = chainCommitmentAfter(task, j);
    if (onChain !== undefined) return onChain;
    if (task.roundInfos[j - 1]?.state === "Failed") return after(j - 1);
    const parent = chainCommitmentAfter(task, j - 1);
    return lineage.find((r) => r.afterRound === j && parent !== undefined && r.parent === parent)?.commitment;
  };
  // The rebuild cannot start before the last revealed round this account may not decrypt.
  let floor = 0;
  for (let k = target; k > 0 && floor === 0; k--) {
    if (task.roundInfos[k - 1]?.state === "Revealed" && !mayDecrypt(k)) floor = k;
  }
  let from = floor;
  for (let j = target; j > floor; j--) {
    const c = after(j);
    if (c !== undefined && verified.has(c)) {
      from = j;
      break;
    }
  }
  const fromCommitment = after(from);
  const decrypt: number[] = [];
  for (let k = from + 1; k <= target; k++) if (task.roundInfos[k - 1]?.state === "Revealed") decrypt.push(k);
  if (fromCommitment === undefined) {
    // The model after the gap is not committed yet (the round after it has not opened): nothing to load.
    return { target, from, fromCommitment: "", buildInitial: false, decrypt: [], needsModel: { afterRound: floor } };
  }
  const needsModel = floor > 0 && from === floor && !verified.has(fromCommitment);
  return {
    target,
    from,
    fromCommitment,
    buildInitial: from === 0 && !verified.has(task.modelHash),
    decrypt,
    ...(needsModel ? { needsModel: { afterRound: floor, commitment: fromCommitment } } : {}),
  };
}

/** A model computed on the way, to keep (with the model it came from). */
export interface Step {
  model: GlobalModel;
  parent: string;
}

/**
 * Runs a plan from its starting weights with the decoded averages of the rounds it decrypts: every
 * model after a round whose successor opened must hash to the commitment that round opened with (else
 * the page and the cohort disagree, and opening the next round would strand them). Returns the target
 * model and every new model on the way (to store).
 */
export function applyPlan(
  task: Pick<TaskSnapshot, "modelHash" | "roundInfos" | "currentRound">,
  spec: ModelSpec,
  plan: RebuildPlan,
  start: Float32Array,
  averages: ReadonlyMap<number, ArrayLike<number>>,
): { model: GlobalModel; steps: Step[] } {
  let weights = start;
  let commitment = plan.fromCommitment;
  const steps: Step[] = [];
  for (let k = plan.from + 1; k <= plan.target; k++) {
    const parent = commitment;
    if (task.roundInfos[k - 1]?.state === "Revealed") {
      const delta = averages.get(k);
      if (!delta) throw new Error(`round ${k}'s aggregate is needed to rebuild the model and was not decrypted`);
      weights = applyDelta(weights, delta);
      commitment = modelCommitment(spec, weights);
    }
    const onChain = chainCommitmentAfter(task, k);
    if (onChain !== undefined && onChain !== commitment) {
      throw new Error(
        `the model rebuilt after round ${k} hashes to ${commitment}, but round ${k + 1} opened with ${onChain}: ` +
          `this page and the round's cohort disagree on the global model`,
      );
    }
    steps.push({ model: { commitment, spec, weights, afterRound: k }, parent });
  }
  return { model: { commitment, spec, weights, afterRound: plan.target }, steps };
}
