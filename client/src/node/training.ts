/** A participant's local-training settings and per-round seed: no file or chain access, so the browser shares them. */
export interface TrainingSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  proxMu?: number;
  seed: number;
}

/** Seed of a participant's local training in a round: the plaintext baseline reuses it. */
export function localTrainingSeed(participantSeed: number, round: number): number {
  return participantSeed * 1000 + round;
}
