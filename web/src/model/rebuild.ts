/**
 * The global model the next round starts from, rebuilt in the page exactly as the nodes rebuild it
 * (client/src/node: the task's seeded initial model, then float32(global + decoded average) per revealed
 * round, unchanged after a failed round) and hashed with the same modelCommitment. Planning is pure:
 * which stored model to start from and which revealed rounds must be decrypted; running the plan decodes
 * the decrypted averages round by round (a tracking encoding, lowrank, decodes a round with the models it
 * and the round before opened with) and checks every intermediate model against the commitment the chain
 * recorded for it. No React, no chain access here.
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
   * A tracking encoding (lowrank) decodes round `from + 1` from the change between the models after
   * rounds `from - 1` and `from`, and the next round trains with the change between the last two: the
   * model after round `from - 1`, read verified from this browser, or built from the spec (`build`)
   * when it is the initial model and the browser has no copy. Absent for every other encoding and
   * when the plan starts from the initial model.
   */
  previous?: { afterRound: number; commitment: string; build: boolean };
  /**
   * The account may not decrypt some revealed round (it joined later): the rebuild has to start from
   * the model after the last such round, committed on chain, which this browser does not hold yet.
   * Loading that model file (from the owner or a participant) lets the plan start there. `previous`:
   * the start is held but a tracking encoding also needs the model before it, the one named here.
   */
  needsModel?: { afterRound: number; commitment?: string; previous?: boolean };
}

/**
 * Where the rebuild starts: the latest round j <= target whose model this browser holds, verified
 * (`verified`: commitments whose stored weights hashed correctly). For j below the target the chain
 * names the commitment; for the target itself (not committed while the next round is closed) a lineage
 * record counts only if its parent is the commitment the chain holds for the round before, or it is the
 * chain's own. A failed target round leaves the model unchanged. For a tracking encoding
 * (`tracksModelChange`) a start j > 0 counts only when the model after j - 1 is held too (or is the
 * initial model, which the spec rebuilds): its decode and the next round's training need both.
 */
export function planRebuild(
  task: Pick<TaskSnapshot, "modelHash" | "roundInfos" | "currentRound">,
  lineage: readonly LineageRecord[],
  verified: ReadonlySet<string>,
  /** Whether the account rebuilding may decrypt a round (default: every round). */
  mayDecrypt: (round: number) => boolean = () => true,
  /** The task's encoding needs the previous round's change to the model (lowrank). */
  tracksModelChange = false,
  /** The task starts from published weights (spec initialWeights): the initial model is loaded, not built. */
  initialPublished = false,
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
  const held = (j: number): boolean => {
    const c = after(j);
    return c !== undefined && verified.has(c);
  };
  // The initial model (j = 0) counts as held: the spec rebuilds it.
  const usable = (j: number): boolean => held(j) && (!tracksModelChange || j === 1 || held(j - 1));
  let from = floor;
  for (let j = target; j > floor; j--) {
    if (usable(j)) {
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
  const unheldInitial = from === 0 && !verified.has(task.modelHash);
  const plan = { target, from, fromCommitment, buildInitial: unheldInitial && !initialPublished, decrypt };
  if (unheldInitial && initialPublished) return { ...plan, needsModel: { afterRound: 0, commitment: task.modelHash } };
  if (floor > 0 && from === floor && !verified.has(fromCommitment)) {
    return { ...plan, needsModel: { afterRound: floor, commitment: fromCommitment } };
  }
  if (!tracksModelChange || from === 0) return plan;
  const before = after(from - 1)!; // on chain: the commitment round `from` opened with
  return withPrevious(plan, before, verified.has(before), initialPublished);
}

/**
 * A tracking encoding's plan with the model before its start: read when held, built when it is the
 * initial model, else (a late joiner's floor, which no earlier start can avoid) asked for as a file.
 */
function withPrevious(plan: RebuildPlan, commitment: string, held: boolean, initialPublished: boolean): RebuildPlan {
  const afterRound = plan.from - 1;
  if (held || (afterRound === 0 && !initialPublished))
    return { ...plan, previous: { afterRound, commitment, build: !held } };
  return { ...plan, needsModel: { afterRound, commitment, previous: true } };
}

/** A model computed on the way, to keep (with the model it came from). */
export interface Step {
  model: GlobalModel;
  parent: string;
}

/**
 * A revealed round's averaged update, decoded from its lane sums (undefined when they were not
 * decrypted). `opened` holds the global models round `round` (current) and round `round - 1`
 * (previous; absent in round 1) opened with: what a tracking encoding (lowrank) decodes with.
 */
export type RoundAverage = (
  round: number,
  opened: { current: Float32Array; previous?: Float32Array },
) => ArrayLike<number> | undefined;

/** The averages as a RoundAverage: decoded up front (an encoding that needs no earlier model) or round by round. */
const averageOf = (averages: ReadonlyMap<number, ArrayLike<number>> | RoundAverage): RoundAverage =>
  typeof averages === "function" ? averages : (round) => averages.get(round);

/**
 * Runs a plan from its starting weights with the decoded averages of the rounds it decrypts, in round
 * order, so a round is decoded only once the models it needs are rebuilt and checked: every model
 * after a round whose successor opened must hash to the commitment that round opened with (else the
 * page and the cohort disagree, and opening the next round would strand them). `previous` is the model
 * after round `plan.from - 1` (plan.previous), which a tracking encoding decodes round `from + 1` with.
 * Returns the target model and every new model on the way (to store).
 */
export function applyPlan(
  task: Pick<TaskSnapshot, "modelHash" | "roundInfos" | "currentRound">,
  spec: ModelSpec,
  plan: RebuildPlan,
  start: Float32Array,
  averages: ReadonlyMap<number, ArrayLike<number>> | RoundAverage,
  previous?: Float32Array,
): { model: GlobalModel; steps: Step[] } {
  const decode = averageOf(averages);
  let weights = start;
  // The model the round before opened with (after a failed round: the same as this round's).
  let before = plan.from > 0 ? previous : undefined;
  let commitment = plan.fromCommitment;
  const steps: Step[] = [];
  for (let k = plan.from + 1; k <= plan.target; k++) {
    const parent = commitment;
    const opened = weights;
    if (task.roundInfos[k - 1]?.state === "Revealed") {
      const delta = decode(k, { current: opened, previous: before });
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
    before = opened;
  }
  return { model: { commitment, spec, weights, afterRound: plan.target }, steps };
}
