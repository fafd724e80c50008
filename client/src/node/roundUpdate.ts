/**
 * A participant's update for one round, prepared without any chain access: the saved one when this
 * participant encoded the round already (a restart never sends a second, different update), else
 * trained from the round's committed model, turned into a delta and encoded (with the error-feedback
 * residual) into the participant's state. The node (TaskSession) trains in-process, the browser in a
 * worker; both hand their training in as a function, so the protocol around it is written once. The
 * caller saves the state before the first chunk leaves.
 */
import type { UpdateEncoding } from "../codec/encoding";
import type { Layout } from "../codec/layout";
import type { TrainOptions } from "../ml/train";
import type { SubsampledGaussian } from "../privacy/rdp";
import { roundMechanism, type PrivacyTerms } from "../protocol/privacy";
import { encodeRound } from "./encoding";
import { fromHexChunks, toHexChunks } from "./hexChunks";
import type { ParticipantState } from "./participantState";
import { checkTrainingSettings, localTrainingSeed, type TrainingSettings } from "./training";

/** The local training of a round as both runtimes call it: the settings with the round's seed. */
export type LocalTrainingOptions = Pick<
  TrainOptions,
  "epochs" | "batchSize" | "learningRate" | "proxMu" | "seed" | "privacy"
>;

export interface RoundUpdateInput {
  taskId: bigint;
  round: number;
  /** The commitment the round opened with: training starts from that model only. */
  globalModelHash: string;
  layout: Layout;
  encoding: UpdateEncoding;
  /** The participant's global model and the commitment it hashes to. */
  global: { commitment: string; weights: Float32Array };
  /** This round's model minus the previous round's, for encodings that track it (UpdateEncoding.tracksModelChange). */
  modelChange?: ArrayLike<number>;
  /** Local training samples (FedAvg's weight). */
  samples: number;
  settings: TrainingSettings;
  /** The task's DP promise (its spec's, checked against the chain): training runs DP-SGD at these terms. */
  privacy?: PrivacyTerms;
  /**
   * Records what training this round costs the data's privacy budget, before it starts (the node's and
   * the browser's ledger); throws to refuse the round. `null`: the task makes no DP promise.
   */
  chargePrivacy?: (mechanism: SubsampledGaussian | null) => Promise<void>;
}

export interface PreparedUpdate<T> {
  chunks: bigint[][];
  /** The round's saved update, not a new one. */
  resumed: boolean;
  /** What the training returned (absent when resumed). */
  trained?: T;
}

/** Throws unless the participant's global model is the one the round committed to. */
export function checkRoundModel(round: number, commitment: string | undefined, globalModelHash: string): void {
  if (commitment !== globalModelHash) {
    throw new Error(
      `round ${round}: the global model rebuilt locally does not match the round's commitment ` +
        `(${globalModelHash}); refusing to train on a model the cohort does not share`,
    );
  }
}

/**
 * The training options of a round: the participant's settings with the round's seed; under a DP
 * promise the task's DP-SGD terms replace the epochs and batch size (sampling and noise then come from
 * the platform's secure generator, not from the seed).
 */
export function roundTrainingOptions(
  settings: TrainingSettings,
  round: number,
  privacy?: PrivacyTerms,
): LocalTrainingOptions {
  const { epochs, batchSize, learningRate, proxMu, seed } = settings;
  const options = { epochs, batchSize, learningRate, proxMu, seed: localTrainingSeed(seed, round) };
  if (!privacy) return options;
  return { ...options, privacy: { clipNorm: privacy.clipNorm, ...roundMechanism(privacy) } };
}

/** The round's update in `state` (saved or new); a new one is recorded in `state.updates`. */
export async function prepareRoundUpdate<T extends { weights: ArrayLike<number> }>(
  input: RoundUpdateInput,
  state: ParticipantState,
  train: (options: LocalTrainingOptions) => Promise<T>,
): Promise<PreparedUpdate<T>> {
  const saved = state.updates[input.round];
  if (saved) return { chunks: fromHexChunks(saved), resumed: true };
  checkRoundModel(input.round, input.global.commitment, input.globalModelHash);
  const ctx = {
    taskId: input.taskId,
    round: input.round,
    globalModelHash: input.globalModelHash,
    modelChange: input.modelChange,
    model: input.global.weights,
  };
  input.encoding.checkContext(ctx);
  checkTrainingSettings(input.settings);
  await input.chargePrivacy?.(input.privacy ? roundMechanism(input.privacy) : null);
  const trained = await train(roundTrainingOptions(input.settings, input.round, input.privacy));
  const start = input.global.weights;
  // float32 differences, as the weights themselves are (bit-identical between node and browser).
  const delta = Float32Array.from(start, (w, i) => trained.weights[i] - w);
  const { chunks } = encodeRound(input.encoding, state, {
    delta,
    layout: input.layout,
    ctx,
    samples: input.samples,
  });
  state.updates[input.round] = toHexChunks(chunks);
  return { chunks, resumed: false, trained };
}
