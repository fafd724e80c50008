import { INTEGER_AT_LEAST_0, INTEGER_AT_LEAST_1, POSITIVE, ruleProblem, type NumberRule } from "../util/numbers";

/** A participant's local-training settings and per-round seed: no file or chain access, so the browser shares them. */
export interface TrainingSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  proxMu?: number;
  seed: number;
}

/** `flufhe node`'s and the browser participant's defaults: one epoch per round of a long-running task. */
export const NODE_TRAINING: TrainingSettings = { epochs: 1, batchSize: 32, learningRate: 0.1, seed: 1 };

/** One-shot rounds' defaults (`fl:submit`, `npm run demo`): more local work per round (FedAvg's E = 5, B = 16). */
export const ROUND_TRAINING: TrainingSettings = { epochs: 5, batchSize: 16, learningRate: 0.1, seed: 1 };

/**
 * The training seed of participant `client` of a simulated federation started with `seed` (its data
 * split and partition stay on `seed`, shared by all): every runner and baseline derives it here.
 */
export function participantSeed(seed: number, client = 0): number {
  return seed + client;
}

/** Seed of a participant's local training in a round: the plaintext baseline reuses it. */
export function localTrainingSeed(participantSeed: number, round: number): number {
  return participantSeed * 1000 + round;
}

/** What each training setting must be (the CLI, the Hardhat tasks and the web form check the same). */
export const TRAINING_RULES = {
  epochs: INTEGER_AT_LEAST_1,
  batchSize: INTEGER_AT_LEAST_1,
  learningRate: POSITIVE,
  proxMu: { min: 0 },
  seed: INTEGER_AT_LEAST_0,
} satisfies Record<keyof TrainingSettings, NumberRule>;

/** Throws unless every setting keeps its rule: an update trained with 0 epochs is no update. */
export function checkTrainingSettings(settings: TrainingSettings): void {
  for (const [name, rule] of Object.entries(TRAINING_RULES) as [keyof TrainingSettings, NumberRule][]) {
    const value = settings[name];
    if (value === undefined) continue;
    const problem = ruleProblem(value, rule);
    if (problem) throw new Error(`training setting ${name} ${problem}`);
  }
}
