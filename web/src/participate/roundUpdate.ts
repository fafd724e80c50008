/**
 * One round of a browser participant, as TaskSession.submitRound does it for the node: train from the
 * round's committed global model (in the worker, the node's seed), encode the delta with the task's
 * encoding, its residual and the round's public context, save update + residual BEFORE the first chunk
 * is sent, then encrypt and submit the chunks the chain does not hold yet (a reload resumes the saved
 * update; the contract's submittedChunks decides what is left). No React here.
 */
import type { TransactionReceipt } from "ethers";
import type { Layout } from "../../../client/src/codec/layout";
import { submitUpdate } from "../../../client/src/chain/submit";
import type { FheInstance } from "../../../client/src/fhe/instance";
import type { Dataset } from "../../../client/src/ml/dataset";
import { checkTaskEncoding, encodeRound, taskEncoding } from "../../../client/src/node/encoding";
import { fromHexChunks, toHexChunks } from "../../../client/src/node/hexChunks";
import { NODE_TRAINING, localTrainingSeed, type TrainingSettings } from "../../../client/src/node/training";
import type { ModelSpec } from "../../../client/src/protocol/modelSpec";
import type { FLuFHEAggregator } from "../../../types/contracts/FLuFHEAggregator";
import type { Trained, TrainingRun } from "./trainer";
import type { BackendName, TrainMessage, TrainRequest } from "./trainProtocol";
import type { Participation, ParticipationStore } from "./updateStore";

/** The node's defaults (`flufhe node`), so the page trains as a node would. */
export const NODE_DEFAULTS: TrainingSettings = NODE_TRAINING;

export type ChunkStatus = "queued" | "sending" | "pending" | "confirmed" | "on-chain";

export interface ChunkState {
  chunk: number;
  status: ChunkStatus;
  hash?: string;
  gas?: number;
  hcu?: number;
}

export interface RoundInput {
  taskId: bigint;
  round: number;
  /** The commitment the round opened with; the global model must hash to it. */
  globalModelHash: string;
  spec: ModelSpec;
  layout: Layout;
  /** The global model rebuilt in this page (needed to train; it must hash to globalModelHash). */
  global?: { commitment: string; weights: Float32Array };
  /** The local training split (needed to train). */
  train?: Dataset;
  settings: TrainingSettings;
  /** Backends the worker tries, in order (default: WebGL, WASM, cpu). */
  backends?: BackendName[];
}

type Trainable = RoundInput & Required<Pick<RoundInput, "global" | "train">>;

/** The training request of a round: the node's per-round seed (localTrainingSeed). */
export function trainRequest(input: Trainable): TrainRequest {
  const { epochs, batchSize, learningRate, proxMu, seed } = input.settings;
  return {
    type: "train",
    spec: input.spec,
    weights: input.global.weights,
    data: input.train,
    options: { epochs, batchSize, learningRate, proxMu, seed: localTrainingSeed(seed, input.round) },
    backends: input.backends,
  };
}

/**
 * The round's encoded update: the saved one when this browser encoded it already (never a second,
 * different update for the same round), else trained and encoded now, then saved before returning.
 */
export async function preparedUpdate(
  input: RoundInput,
  record: Participation,
  store: ParticipationStore,
  training: {
    start: (request: TrainRequest, onMessage: (m: TrainMessage) => void) => TrainingRun;
    onMessage: (m: TrainMessage) => void;
    /** The running training (its cancel button). */
    onStart?: (run: TrainingRun) => void;
  },
): Promise<{ chunks: bigint[][]; resumed: boolean; trained?: Trained }> {
  const saved = record.state.updates[input.round];
  if (saved) return { chunks: fromHexChunks(saved), resumed: true };
  const { global, train } = input;
  if (!train) throw new Error("pick your data file first");
  if (!global || global.commitment !== input.globalModelHash) {
    // As the node refuses (TaskSession.checkRoundModel): never train on a model the cohort does not share.
    throw new Error(
      `round ${input.round}: the global model rebuilt in this page does not match the round's commitment ` +
        `(${input.globalModelHash}); rebuild it (decrypt the earlier rounds) before training`,
    );
  }
  // As TaskSession.open checks: the chain's codec carries exactly what the spec's encoding sends.
  const encoding = taskEncoding(input.spec, global.weights.length);
  checkTaskEncoding(encoding, input.layout);
  const run = training.start(trainRequest({ ...input, global, train }), training.onMessage);
  training.onStart?.(run);
  const trained = await run.result;
  const delta = trained.weights.map((w, i) => w - global.weights[i]);
  const { chunks } = encodeRound(encoding, record.state, {
    delta,
    layout: input.layout,
    ctx: { taskId: input.taskId, round: input.round, globalModelHash: input.globalModelHash },
    samples: train.y.length,
  });
  record.state.updates[input.round] = toHexChunks(chunks);
  await store.put(record);
  return { chunks, resumed: false, trained };
}

/** What submitting a round's update needs, whichever way the wallet confirms it. */
export interface ChunkSubmission {
  aggregator: FLuFHEAggregator;
  instance: FheInstance;
  hcuOf?: (receipt: TransactionReceipt) => number;
  taskId: bigint;
  round: number;
  layout: Layout;
  chunks: bigint[][];
  onChunk: (state: ChunkState) => void;
}

/** A chunk's state once its transaction is mined. */
export const confirmedChunk = (
  chunk: number,
  receipt: TransactionReceipt,
  hcuOf?: (receipt: TransactionReceipt) => number,
): ChunkState => ({
  chunk,
  status: "confirmed",
  hash: receipt.hash,
  gas: Number(receipt.gasUsed),
  hcu: hcuOf?.(receipt),
});

/** Submits the chunks the chain lacks, one wallet confirmation each, reporting every chunk's state. */
export async function submitChunks(args: ChunkSubmission): Promise<void> {
  const { onChunk } = args;
  // The chunk after the last reported one is being encrypted and waits for the wallet.
  const sending = (chunk: number) => chunk < args.layout.chunkCount && onChunk({ chunk, status: "sending" });
  sending(0);
  await submitUpdate({
    ...args,
    onSent: (chunk, hash) => onChunk({ chunk, status: "pending", hash }),
    onChunk: (p) => {
      if (p.skipped) onChunk({ chunk: p.chunk, status: "on-chain" });
      else onChunk(confirmedChunk(p.chunk, p.receipt!, args.hcuOf));
      sending(p.chunk + 1);
    },
  });
}
