/**
 * One round of a browser participant, with the node's own code: prepare the update
 * (client/src/node/roundUpdate: charge the data's privacy ledger, train from the round's committed model,
 * here in the worker, with DP-SGD under a DP promise; encode with
 * the task's encoding and the residual, and for lowrank the change from the previous round's model,
 * read from the browser's model store), save update + residual BEFORE the first chunk is sent, then
 * encrypt and submit the chunks the chain does not hold yet (a reload resumes the saved update; the
 * contract's submittedChunks decides what is left). No React here.
 */
import type { TransactionReceipt } from "ethers";
import type { UpdateEncoding } from "../../../client/src/codec/encoding";
import type { Layout } from "../../../client/src/codec/layout";
import { modelChange } from "../../../client/src/codec/sharedSeed";
import { submitUpdate } from "../../../client/src/chain/submit";
import type { WordEncryptor } from "../../../client/src/fhe/encrypt";
import type { Dataset } from "../../../client/src/ml/dataset";
import { checkTaskEncoding } from "../../../client/src/node/encoding";
import { fromHexChunks } from "../../../client/src/node/hexChunks";
import { browserTaskEncoding } from "../modelSpec";
import { prepareRoundUpdate, roundTrainingOptions } from "../../../client/src/node/roundUpdate";
import { NODE_TRAINING, type TrainingSettings } from "../../../client/src/node/training";
import type { SubsampledGaussian } from "../../../client/src/privacy/rdp";
import type { ModelSpec } from "../../../client/src/protocol/modelSpec";
import type { PrivacyTerms } from "../../../client/src/protocol/privacy";
import type { FLuFHEAggregator } from "../../../types/contracts/FLuFHEAggregator";
import { shortHash } from "../format";
import { encodingArtifacts } from "../model/inputBasis";
import { memoryStore, readVerified, type ModelStore } from "../model/store";
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
  /** The task's DP promise (the spec's, checked against the chain): the worker trains with DP-SGD at these terms. */
  privacy?: PrivacyTerms;
  /** Charges the round to the data's privacy ledger before it is trained; throws to refuse it. */
  chargePrivacy?: (mechanism: SubsampledGaussian | null) => Promise<void>;
  /**
   * The commitment the previous round opened with (round > 1): an encoding that tracks the model's
   * change (lowrank) encodes with this round's model minus that one, read verified from `models`.
   */
  previousModelHash?: string;
  /** The browser's model store (the global-model rebuild keeps every model there; a pca task's input basis too). */
  models?: ModelStore;
}

type Trainable = RoundInput & Required<Pick<RoundInput, "global" | "train">>;

/**
 * The training request of a round: the node's per-round options (roundTrainingOptions), with the task's
 * DP-SGD settings under a DP promise (the worker's trainLocal then samples and adds noise with the secure
 * generator).
 */
export function trainRequest(input: Trainable): TrainRequest {
  return {
    type: "train",
    spec: input.spec,
    weights: input.global.weights,
    data: input.train,
    options: roundTrainingOptions(input.settings, input.round, input.privacy),
    backends: input.backends,
  };
}

/**
 * What a tracking encoding (lowrank) encodes round `round` with: this round's model minus the one the
 * previous round opened with, read verified from the browser's store by the chain's commitment (as
 * the node's modelChangeFor). Undefined for every other encoding and in round 1; throws, before
 * anything is trained, when the store lacks that model.
 */
export async function roundModelChange(
  input: Pick<RoundInput, "round" | "spec" | "previousModelHash" | "models">,
  encoding: Pick<UpdateEncoding, "name" | "tracksModelChange">,
  global: Float32Array,
): Promise<Float64Array | undefined> {
  if (!encoding.tracksModelChange || input.round === 1) return undefined;
  const hash = input.previousModelHash;
  const previous = hash && input.models ? await readVerified(input.models, hash, input.spec) : undefined;
  if (!previous) {
    const [before, now] = [input.round - 1, input.round];
    throw new Error(
      `round ${now} of this ${encoding.name} task is encoded with the change between the global models rounds ` +
        `${before} and ${now} opened with, and this browser does not hold round ${before}'s ` +
        `(${hash ? shortHash(hash) : "unknown"}): rebuild the global model in the Global model panel (it keeps ` +
        `the models on its way; a late joiner loads that round's model file there), then start again`,
    );
  }
  return modelChange(previous, global);
}

/**
 * The round's encoded update (client/src/node/roundUpdate, as the node prepares it): the saved one
 * when this browser encoded it already, else trained in the worker and encoded now, then saved before
 * returning.
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
  const { global, train } = input;
  // A saved update is sent as it is: nothing (model, data, input basis) is needed to resume it.
  const saved = record.state.updates[input.round];
  if (saved) return { chunks: fromHexChunks(saved), resumed: true };
  if (!train) throw new Error("pick your data file first");
  if (!global) throw new Error("rebuild the global model (decrypt the earlier rounds) before training");
  // As TaskSession.open checks: the chain's codec carries exactly what the spec's encoding sends.
  const artifacts = await encodingArtifacts(input.spec, input.models ?? memoryStore());
  const encoding = browserTaskEncoding(input.spec, global.weights.length, artifacts);
  checkTaskEncoding(encoding, input.layout);
  const change = await roundModelChange(input, encoding, global.weights);
  const prepared = await prepareRoundUpdate(
    {
      taskId: input.taskId,
      round: input.round,
      globalModelHash: input.globalModelHash,
      layout: input.layout,
      encoding,
      global,
      modelChange: change,
      samples: train.y.length,
      settings: input.settings,
      privacy: input.privacy,
      chargePrivacy: input.chargePrivacy,
    },
    record.state,
    async () => {
      const run = training.start(trainRequest({ ...input, global, train }), training.onMessage);
      training.onStart?.(run);
      return run.result;
    },
  );
  await store.put(record);
  return prepared;
}

/** What submitting a round's update needs, whichever way the wallet confirms it. */
export interface ChunkSubmission {
  aggregator: FLuFHEAggregator;
  /** The encryption worker (encryptor.ts): the page's thread never encrypts. */
  encryptor: WordEncryptor;
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

/**
 * Submits the chunks the chain lacks, one wallet confirmation each, reporting every chunk's state: the
 * node's submitUpdate, with the encryption worker as its encryptor (the next chunk is encrypted while the
 * wallet confirms one).
 */
export async function submitChunks(args: ChunkSubmission): Promise<void> {
  const { onChunk, layout } = args;
  // The first chunk not on chain yet is being encrypted and waits for the wallet.
  const settled = new Set<number>();
  let sending = -1;
  const next = () => {
    let chunk = 0;
    while (settled.has(chunk)) chunk++;
    if (chunk !== sending && chunk < layout.chunkCount) onChunk({ chunk, status: "sending" });
    sending = chunk;
  };
  next();
  await submitUpdate({
    ...args,
    onSent: (chunk, hash) => onChunk({ chunk, status: "pending", hash }),
    onChunk: (p) => {
      if (p.skipped) onChunk({ chunk: p.chunk, status: "on-chain" });
      else onChunk(confirmedChunk(p.chunk, p.receipt!, args.hcuOf));
      settled.add(p.chunk);
      next();
    },
  });
}
