/** One round's evaluation of the global model, as reported off-chain (e.g. by the demo's owner node). */
export interface RoundEvaluation {
  round: number;
  accuracy: number;
  loss?: number;
}

/**
 * Parses an evaluations report: `{"rounds": [{"round": 1, "accuracy": 0.91, "loss": 0.3}, ...]}` or the
 * bare list. Accuracy is a fraction in [0, 1]. Sorted by round; one entry per round.
 */
export function parseEvaluations(value: unknown): RoundEvaluation[] {
  const list = Array.isArray(value) ? value : (value as { rounds?: unknown } | null)?.rounds;
  if (!Array.isArray(list)) throw new Error('an evaluations report is {"rounds": [{"round", "accuracy", "loss"?}]}');
  const byRound = new Map<number, RoundEvaluation>();
  for (const item of list) {
    const { round, accuracy, loss } = (item ?? {}) as Record<string, unknown>;
    if (!Number.isSafeInteger(round) || (round as number) < 1) {
      throw new Error(`round must be a positive integer, got ${JSON.stringify(round)}`);
    }
    if (typeof accuracy !== "number" || !(accuracy >= 0 && accuracy <= 1)) {
      throw new Error(`round ${round}: accuracy must be a number in [0, 1], got ${JSON.stringify(accuracy)}`);
    }
    if (loss !== undefined && (typeof loss !== "number" || !Number.isFinite(loss))) {
      throw new Error(`round ${round}: loss must be a finite number`);
    }
    byRound.set(round as number, { round: round as number, accuracy, ...(loss === undefined ? {} : { loss }) });
  }
  return [...byRound.values()].sort((a, b) => a.round - b.round);
}
