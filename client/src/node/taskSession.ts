import type { Signer } from "ethers";
import type * as tf from "@tensorflow/tfjs";
import type { Layout } from "../codec/layout";
import type { UpdateEncoding } from "../codec/encoding";
import { modelChange } from "../codec/sharedSeed";
import { fetchAggregate } from "../chain/aggregate";
import { withRetry } from "../chain/retry";
import { submitUpdate } from "../chain/submit";
import { readTaskIdentity, type TaskIdentity } from "../chain/taskIdentity";
import type { WordEncryptor } from "../fhe/encrypt";
import type { FheInstance } from "../fhe/instance";
import { checkFitsModel, type Dataset } from "../ml/dataset";
import { buildModel, getFlatWeights, parameterCount, setFlatWeights } from "../ml/models";
import { evaluate, trainLocal } from "../ml/train";
import { modelCommitment, specFromUri, type ModelSpec } from "../protocol/modelSpec";
import { DEFAULT_REPORT_DELTA, type DatasetRef, type PrivacyLedger } from "../privacy/ledger";
import type { SubsampledGaussian } from "../privacy/rdp";
import { checkPrivacyPromise, privacyFromChain } from "../protocol/privacy";
import { layoutFromTask } from "../protocol/taskConfig";
import { Policy, RoundState, roundStateName } from "../protocol/vocabulary";
import type { FLuFHEAggregator } from "../../../types";
import { checkTaskEncoding, taskEncoding, type EncodingArtifacts } from "./encoding";
import { applyDelta } from "./model";
import { checkRoundModel, prepareRoundUpdate } from "./roundUpdate";
import type { TrainingSettings } from "./training";
import { findInputBasis } from "./inputBasisFile";
import { findModel, type ModelDirectory, type ModelSource } from "./modelStore";
import type { ParticipantState, StateStore } from "./state";
import { sleep } from "../util/sleep";

/** Structured progress of a participant, one object per event (printed as JSON lines or bars). */
export type ParticipantEvent =
  | { event: "ready"; taskId: string; account: string; params: number; chunks: number; samples: number }
  | { event: "round-open"; round: number }
  | { event: "trained"; round: number; ms: number; loss: number }
  /** A DP round charged to the training data's privacy ledger: epsilon spent on it so far, this round included. */
  | { event: "privacy-spent"; round: number; epsilon: number; budget?: number }
  | { event: "chunk"; round: number; chunk: number; of: number; skipped: boolean; gas?: number }
  | {
      event: "submitted";
      round: number;
      encodeMs: number;
      encryptMs: number;
      submitMs: number;
      txs: number;
      gas: number;
    }
  | { event: "round-skipped"; round: number; reason: string }
  /** A round's committed starting model taken from a model source (this account could not rebuild it). */
  | { event: "model-fetched"; round: number; commitment: string; source: string }
  | { event: "round-failed"; round: number }
  | { event: "round-done"; round: number; decryptMs: number; accuracy: number; loss: number }
  | { event: "finished"; accuracy: number };

export { localTrainingSeed, type TrainingSettings } from "./training";

/** How long waiting for a round state may take before giving up, unless the caller says otherwise. */
export const DEFAULT_WAIT_MS = 7 * 24 * 3600 * 1000;

export interface SessionOptions {
  aggregator: FLuFHEAggregator;
  instance: FheInstance;
  /** Encrypts the update's chunks (a worker pool); default: `instance` on this thread. */
  encryptor?: WordEncryptor;
  signer: Signer;
  taskId: bigint;
  /** Local training data (needed to submit). */
  train?: Dataset;
  /** Evaluation data (optional: accuracy is reported when given). */
  test?: Dataset;
  training?: TrainingSettings;
  /** Resumable state (needed to submit). */
  state?: StateStore;
  pollMs?: number;
  /** Longest wait for a round to change state (default DEFAULT_WAIT_MS); then waitFor throws. */
  waitMs?: number;
  /** Where to get a round's starting model this account cannot rebuild (rounds it was not part of). */
  modelSources?: ModelSource[];
  /** Where to keep each global model this session computes (so others can fetch it). */
  modelCache?: ModelDirectory;
  /**
   * Public data the task's encoding needs beside its spec (a pca task's input basis); by default
   * fetched from `modelCache` and `modelSources` by the digest the spec commits to.
   */
  encodingArtifacts?: EncodingArtifacts;
  /**
   * The participant's privacy ledger and the training data's entry in it: every round this session
   * trains is charged there first, and a round over the data's budget is refused before training.
   */
  privacy?: { ledger: PrivacyLedger; dataset: DatasetRef };
  emit?: (event: ParticipantEvent) => void;
}

export type ParticipantOptions = SessionOptions & {
  train: Dataset;
  test: Dataset;
  training: TrainingSettings;
  state: StateStore;
  emit: (event: ParticipantEvent) => void;
};

/** Where a session looks for what it cannot rebuild: its own cache first, then the sources it was given. */
function sourcesOf(o: SessionOptions): ModelSource[] {
  return [...(o.modelCache ? [o.modelCache] : []), ...(o.modelSources ?? [])];
}

/**
 * One account's view of a task: the model rebuilt from the task's inline spec and checked against
 * its commitment, then advanced round by round with the decrypted aggregates. Shared by the
 * participant node and the Hardhat tasks, so the protocol is written once.
 */
export class TaskSession {
  global: Float32Array;
  /** How updates are encoded: the spec's encoding (today's codec when it names none). */
  readonly encoding: UpdateEncoding;
  private stateData?: ParticipantState;
  private identity?: TaskIdentity;
  /** The last few global models this session held, by commitment (a tracking encoding needs the previous round's). */
  private readonly recent = new Map<string, Float32Array>();

  private constructor(
    readonly o: SessionOptions,
    readonly task: Awaited<ReturnType<FLuFHEAggregator["getTask"]>>,
    readonly layout: Layout,
    readonly spec: ModelSpec,
    readonly model: tf.Sequential,
    readonly account: string,
    artifacts: EncodingArtifacts,
  ) {
    this.global = getFlatWeights(model);
    this.encoding = taskEncoding(spec, this.global.length, artifacts);
    this.remember();
  }

  /** Keeps the current global model among the recent ones (the last three). */
  private remember(): void {
    this.recent.set(this.commitment(), this.global);
    for (const key of this.recent.keys()) if (this.recent.size > 3) this.recent.delete(key);
  }

  /**
   * What an encoding that tracks the model's change needs for `round`: this round's model (the
   * session's, which must be the one the round committed to) minus the previous round's, found by its
   * on-chain commitment among the recent models, the model cache or the model sources. Undefined for
   * every other encoding and in round 1.
   */
  async modelChangeFor(round: number, globalModelHash: string): Promise<Float64Array | undefined> {
    if (!this.encoding.tracksModelChange || round === 1) return undefined;
    this.checkRoundModel(round, globalModelHash);
    const before = (await this.readRound(round - 1)).globalModelHash;
    let previous = this.recent.get(before);
    if (!previous) {
      const sources = sourcesOf(this.o);
      previous = (await findModel(sources, this.spec, before, this.global.length)).weights;
    }
    return modelChange(previous, this.global);
  }

  static async open(o: SessionOptions): Promise<TaskSession> {
    const task = await withRetry("reading the task", () => o.aggregator.getTask(o.taskId));
    const layout = layoutFromTask(task);
    const spec = specFromUri(task.config.modelURI);
    if (o.train) checkFitsModel("training", o.train, spec);
    if (o.test) checkFitsModel("test", o.test, spec);
    const sources = sourcesOf(o);
    const basis = spec.encoding?.kind === "pca" ? spec.encoding.basis : undefined;
    const artifacts = o.encodingArtifacts ?? (basis ? { inputBasis: await findInputBasis(sources, basis) } : {});
    const model = buildModel(spec);
    if (spec.initialWeights === "published") {
      // Not rebuildable from the seed: taken from whoever holds it, accepted only if it hashes to the commitment.
      const start = await findModel(sources, spec, task.config.modelHash, parameterCount(model));
      setFlatWeights(model, start.weights);
    }
    const session = new TaskSession(o, task, layout, spec, model, await o.signer.getAddress(), artifacts);
    checkTaskEncoding(session.encoding, layout);
    if (session.commitment() !== task.config.modelHash) {
      throw new Error("the initial model rebuilt from the task's spec does not match its on-chain commitment");
    }
    checkPrivacyPromise(spec.privacy, privacyFromChain(task.config.privacy), Number(task.config.rounds));
    // Saved state is checked against this very task now, before anything is trained or sent.
    if (o.state || o.privacy) session.identity = await readTaskIdentity(o.aggregator, o.taskId, task);
    if (o.state) session.stateData = o.state.load({ task: session.identity!, account: session.account });
    return session;
  }

  /** Charges a round's training to the data's privacy ledger (refused over its budget: nothing is trained). */
  private async chargePrivacy(round: number, mechanism: SubsampledGaussian | null) {
    const { ledger, dataset } = this.o.privacy!;
    const id = this.identity!;
    const { spent, budget } = await ledger.spend(dataset, {
      task: `chain ${id.chainId} · ${id.aggregator} · task ${id.taskId} (block ${id.createdBlock})`,
      round,
      mechanism,
      // A task without DP states no delta: the ledger records it (epsilon infinite) at the usual one.
      delta: this.spec.privacy?.delta ?? DEFAULT_REPORT_DELTA,
    });
    if (mechanism) this.o.emit?.({ event: "privacy-spent", round, epsilon: spent, budget: budget?.epsilon });
  }

  get rounds(): number {
    return Number(this.task.config.rounds);
  }

  commitment(): string {
    return modelCommitment(this.spec, this.global);
  }

  readRound(round: number) {
    return withRetry(`reading round ${round}`, () => this.o.aggregator.getRound(this.o.taskId, round));
  }

  /** Polls until the round's state is one of `states`; throws after `waitMs` (the round's deadline plus a margin by default). */
  async waitFor(round: number, states: number[]) {
    const giveUpAt = Date.now() + (this.o.waitMs ?? DEFAULT_WAIT_MS);
    let info = await this.readRound(round);
    while (!states.includes(Number(info.state))) {
      if (Date.now() > giveUpAt) {
        throw new Error(
          `round ${round} of task ${this.o.taskId} is still ${roundStateName(info.state)} after waiting ` +
            `${Math.round((this.o.waitMs ?? DEFAULT_WAIT_MS) / 1000)} s for ${states.map(roundStateName).join(" or ")}: ` +
            `ask the task owner (fl:status shows the round), then restart the node; its state file resumes it`,
        );
      }
      await sleep(this.o.pollMs ?? 500);
      info = await this.readRound(round);
    }
    return info;
  }

  /** Throws unless the locally rebuilt global model is the one the round committed to. */
  checkRoundModel(round: number, globalModelHash: string): void {
    checkRoundModel(round, this.commitment(), globalModelHash);
  }

  /**
   * Makes the round's committed model the session's global model: the one rebuilt locally when it
   * matches, else (after rounds this account could not decrypt) one fetched from the model sources
   * and accepted only if it hashes to the commitment.
   */
  async adoptRoundModel(round: number, globalModelHash: string): Promise<void> {
    if (this.commitment() === globalModelHash) return;
    if (!this.behind) this.checkRoundModel(round, globalModelHash);
    const sources = sourcesOf(this.o);
    const found = await findModel(sources, this.spec, globalModelHash, this.global.length);
    this.global = found.weights;
    this.remember();
    this.behind = false;
    // Kept locally too, so a later run (fl:decrypt, a restarted node) finds it without the source.
    this.o.modelCache?.save({
      spec: this.spec,
      commitment: globalModelHash,
      weights: Array.from(found.weights),
      task: String(this.o.taskId),
      round: round - 1,
    });
    this.o.emit?.({ event: "model-fetched", round, commitment: globalModelHash, source: found.source });
  }

  /** Set when a revealed round was skipped (this account may not decrypt it): the model is behind. */
  private behind = false;

  /** Whether this account may decrypt a revealed round: PUBLIC tasks, the owner, or a participant of it. */
  async canDecrypt(round: number): Promise<boolean> {
    if (Number(this.task.config.policy) === Policy.Public) return true;
    if (this.task.owner.toLowerCase() === this.account.toLowerCase()) return true;
    return withRetry("reading eligibility", () => this.o.aggregator.isEligible(this.o.taskId, round, this.account));
  }

  /** Marks the model as behind after a revealed round this account could not decrypt. */
  skipRound(): void {
    this.behind = true;
  }

  /**
   * Trains on the local data from the current global model, encodes the delta, saves it (before
   * the first chunk leaves, so a restart resumes this exact update) and submits the chunks the chain
   * does not hold yet.
   */
  async submitRound(round: number): Promise<void> {
    const { train, training, state: store } = this.o;
    const state = this.stateData;
    if (!train || !training || !store || !state)
      throw new Error("submitting needs training data, settings and a state file");
    const emit = this.o.emit ?? (() => {});
    const eligible = await this.o.aggregator.isEligible(this.o.taskId, round, this.account);
    if (!eligible)
      throw new Error(`account ${this.account} is not a participant of round ${round} of task ${this.o.taskId}`);
    const { globalModelHash } = await this.readRound(round);
    const change = state.updates[round] ? undefined : await this.modelChangeFor(round, globalModelHash);
    const t0 = performance.now();
    let trainMs = 0;
    const prepared = await prepareRoundUpdate(
      {
        taskId: this.o.taskId,
        round,
        globalModelHash,
        layout: this.layout,
        encoding: this.encoding,
        global: { commitment: this.commitment(), weights: this.global },
        modelChange: change,
        samples: train.y.length,
        settings: training,
        privacy: this.spec.privacy,
        chargePrivacy: this.o.privacy && ((mechanism) => this.chargePrivacy(round, mechanism)),
      },
      state,
      async (options) => {
        setFlatWeights(this.model, this.global);
        const result = trainLocal(this.model, train, options);
        trainMs = performance.now() - t0;
        emit({ event: "trained", round, ms: trainMs, loss: result.epochLosses.at(-1) ?? NaN });
        return { weights: getFlatWeights(this.model) };
      },
    );
    const { chunks } = prepared;
    const encodeMs = prepared.resumed ? 0 : performance.now() - t0 - trainMs;
    if (!prepared.resumed) store.save(state);
    let encryptMs = 0;
    let submitMs = 0;
    let gas = 0;
    // Connection drops are retried by re-running the whole submission: it skips the chunks the
    // chain already holds, so a transaction that landed before the drop is never sent twice.
    const receipts = await withRetry(`round ${round} submission`, () =>
      submitUpdate({
        aggregator: this.o.aggregator.connect(this.o.signer),
        instance: this.o.instance,
        encryptor: this.o.encryptor,
        taskId: this.o.taskId,
        round,
        chunks,
        layout: this.layout,
        onChunk: (p) => {
          encryptMs += p.encryptMs ?? 0;
          submitMs += p.submitMs ?? 0;
          gas += Number(p.receipt?.gasUsed ?? 0);
          emit({
            event: "chunk",
            round,
            chunk: p.chunk,
            of: this.layout.chunkCount,
            skipped: p.skipped,
            gas: p.receipt ? Number(p.receipt.gasUsed) : undefined,
          });
        },
      }),
    );
    emit({ event: "submitted", round, encodeMs, encryptMs, submitMs, txs: receipts.length, gas });
  }

  /** Decrypts a revealed round's aggregate, applies it to the global model and evaluates. */
  async applyRound(round: number): Promise<{ decryptMs: number; accuracy: number; loss: number }> {
    const t0 = performance.now();
    // A tracking encoding decodes with the round's model (and the one before): it must be the committed one.
    const opened = this.encoding.tracksModelChange ? (await this.readRound(round)).globalModelHash : undefined;
    if (opened) this.checkRoundModel(round, opened);
    const change = opened ? await this.modelChangeFor(round, opened) : undefined;
    const aggregate = await withRetry(`round ${round} decryption`, () =>
      fetchAggregate({
        aggregator: this.o.aggregator.connect(this.o.signer),
        instance: this.o.instance,
        signer: this.o.signer,
        taskId: this.o.taskId,
        round,
        layout: this.layout,
        policy: Number(this.task.config.policy),
        encoding: this.encoding,
        modelChange: change,
        model: this.global,
      }),
    );
    const decryptMs = performance.now() - t0;
    this.global = applyDelta(this.global, aggregate.delta);
    this.remember();
    this.o.modelCache?.save({
      spec: this.spec,
      commitment: this.commitment(),
      weights: Array.from(this.global),
      task: String(this.o.taskId),
      round,
    });
    if (!this.o.test) return { decryptMs, accuracy: NaN, loss: NaN };
    setFlatWeights(this.model, this.global);
    const { accuracy, loss } = evaluate(this.model, this.o.test);
    return { decryptMs, accuracy, loss };
  }

  /**
   * Rebuilds the global model up to (and including) round `last` from the revealed aggregates,
   * starting at round `from` (the model must already include every round before it). Rounds this
   * account may not decrypt (before it joined) are skipped: the first round it may decrypt after them
   * starts from that round's committed model, taken from the model sources and checked against the
   * commitment (a `model-fetched` event says from where), so a late joiner rebuilds the final model.
   */
  async catchUp(last: number, { from = 1 }: { from?: number } = {}): Promise<void> {
    for (let round = from; round <= last; round++) {
      const info = await this.readRound(round);
      const state = Number(info.state);
      if (state === RoundState.Revealed) {
        if (await this.canDecrypt(round)) {
          if (this.behind) await this.adoptRoundModel(round, info.globalModelHash);
          await this.applyRound(round);
        } else this.skipRound();
      } else if (state !== RoundState.Failed) {
        throw new Error(`round ${round} is ${roundStateName(state)}, not revealed yet: close and reveal it first`);
      }
    }
    if (!this.behind) return;
    // The last rounds were not this account's (it left, or was added for a later round): the model
    // after `last` is committed only as the next round's starting model.
    const next = await this.readRound(last + 1);
    if (Number(next.state) === RoundState.None) {
      throw new Error(
        `this account may not decrypt the last of rounds ${from}..${last} (it was not listed for them), so it ` +
          `cannot rebuild the model after round ${last}; once round ${last + 1} opens, its commitment names that ` +
          `model and any holder of it can hand it over (--models)`,
      );
    }
    await this.adoptRoundModel(last + 1, next.globalModelHash);
  }

  dispose(): void {
    this.model.dispose();
  }
}
