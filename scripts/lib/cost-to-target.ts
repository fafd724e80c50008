/**
 * Cost to accuracy for `npm run bench:learning`: what a participant has sent (words, input proofs, gas,
 * HCU) by each round, and the gas it took to first reach the target accuracy (the plaintext
 * reference's final accuracy minus 1 pp), so encodings that learn slower but send less compare on one
 * figure. Pure: the per-round costs are the planner's per-participant estimate (planSubmission).
 */

/** One participant's submission in one round (constant over a task's rounds: the layout is fixed). */
export interface RoundCost {
  words: number;
  proofs: number;
  gas: number;
  hcu: number;
}

/** Accuracy after a round and what one participant has sent up to and including it. */
export interface RoundRecord {
  round: number;
  accuracy: number;
  cumulativeWords: number;
  cumulativeProofs: number;
  cumulativeGas: number;
  cumulativeHcu: number;
}

/** How far below the reference's final accuracy the target lies: 1 percentage point. */
export const TARGET_MARGIN = 0.01;

/** Accuracies are ratios of counts; a target computed as a difference may miss an equal accuracy by an ulp. */
const EPSILON = 1e-9;

/** The target accuracy: the reference's final accuracy minus TARGET_MARGIN. */
export function accuracyTarget(referenceFinal: number, margin = TARGET_MARGIN): number {
  return referenceFinal - margin;
}

/** A record per round (1-based) from the accuracy after each round and the per-round cost. */
export function roundRecords(accuracies: readonly number[], cost: RoundCost): RoundRecord[] {
  return accuracies.map((accuracy, i) => ({
    round: i + 1,
    accuracy,
    cumulativeWords: cost.words * (i + 1),
    cumulativeProofs: cost.proofs * (i + 1),
    cumulativeGas: cost.gas * (i + 1),
    cumulativeHcu: cost.hcu * (i + 1),
  }));
}

/** The cumulative gas per participant at the first round whose accuracy reaches `target`; null if none does. */
export function costToTarget(rounds: readonly RoundRecord[], target: number): number | null {
  const reached = rounds.find((r) => r.accuracy >= target - EPSILON);
  return reached ? reached.cumulativeGas : null;
}

/** How many times cheaper than the baseline a config reaches the target; null when either never does. */
export function costRatio(baselineCost: number | null, configCost: number | null): number | null {
  if (baselineCost === null || configCost === null) return null;
  return baselineCost / configCost;
}

/** How many final rounds the steadier gap averages. */
export const LAST_ROUNDS = 3;

/**
 * The reference's mean accuracy over the last `rounds` rounds minus the config's, in percentage points:
 * the final-round gap (the measure) swings by about 1 pp from one round to the next on the
 * compressed runs; this one says whether a run ended inside the line or merely on a dip or a peak.
 */
export function lastRoundsGapPp(reference: readonly number[], config: readonly number[], rounds = LAST_ROUNDS): number {
  const tail = (a: readonly number[]) => {
    const last = a.slice(-rounds);
    return last.reduce((s, x) => s + x, 0) / last.length;
  };
  return (tail(reference) - tail(config)) * 100;
}
