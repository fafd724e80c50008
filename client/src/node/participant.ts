import type { Signer } from "ethers";
import { encodeUpdate } from "../codec/update";
import { fetchAggregate } from "../chain/aggregate";
import { withRetry } from "../chain/retry";
import { submitUpdate } from "../chain/submit";
import { layoutFromTask } from "../chain/task";
import type { FheInstance } from "../fhe/instance";
import type { Dataset } from "../ml/dataset";
import { buildModel, getFlatWeights, initialiseWeights, setFlatWeights } from "../ml/models";
import { evaluate, trainLocal } from "../ml/train";
import type { FLuFHEAggregator } from "../../../types";
import { applyDelta, modelCommitment, specFromUri } from "./model";
import { StateStore, fromHexChunks, toHexChunks } from "./state";

export const RoundState = { None: 0, Open: 1, Closed: 2, Failed: 3, Revealed: 4 } as const;

/** Structured progress of a participant, one object per event (printed as JSON lines or bars). */
export type ParticipantEvent =
  | { event: "ready"; taskId: string; account: string; params: number; chunks: number; samples: number }
  | { event: "round-open"; round: number }
  | { event: "trained"; round: number; ms: number; loss: number }
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
  | { event: "round-failed"; round: number }
  | { event: "round-done"; round: number; decryptMs: number; accuracy: number; loss: number }
  | { event: "finished"; accuracy: number };

export interface TrainingSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  proxMu?: number;
  seed: number;
}

export interface ParticipantOptions {
  aggregator: FLuFHEAggregator;
  instance: FheInstance;
  signer: Signer;
  taskId: bigint;
  train: Dataset;
  test: Dataset;
  training: TrainingSettings;
  state: StateStore;
  pollMs?: number;
  emit: (event: ParticipantEvent) => void;
}

/** Seed of a participant's local training in a round: the plaintext baseline reuses it. */
export function localTrainingSeed(participantSeed: number, round: number): number {
  return participantSeed * 1000 + round;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The participant's round loop: waits for each round, checks the global model it rebuilt against
 * the round's on-chain commitment, trains, encodes, encrypts and submits the chunks the chain does
 * not hold yet (the encoded update is saved first, so a restart resubmits nothing twice), then
 * decrypts the revealed aggregate, applies it and evaluates.
 */
export async function runParticipant(o: ParticipantOptions): Promise<{ accuracy: number; weights: Float32Array }> {
  const { aggregator, taskId } = o;
  const account = await o.signer.getAddress();
  const task = await aggregator.getTask(taskId);
  const layout = layoutFromTask(task);
  const spec = specFromUri(task.config.modelURI);
  for (const [name, data] of [
    ["training", o.train],
    ["test", o.test],
  ] as const) {
    if (data.featureShape.join("x") !== spec.inputShape.join("x") || data.numClasses !== spec.numClasses) {
      throw new Error(
        `the ${name} data has samples of shape [${data.featureShape}] with ${data.numClasses} classes, but the ` +
          `task's model expects [${spec.inputShape}] with ${spec.numClasses}: use the task's dataset or a matching file`,
      );
    }
  }
  const model = buildModel(spec);
  initialiseWeights(model, spec.seed);
  let global = getFlatWeights(model);
  if (global.length !== layout.paramCount) {
    throw new Error(`the model spec has ${global.length} parameters but the task expects ${layout.paramCount}`);
  }
  if (modelCommitment(spec, global) !== task.config.modelHash) {
    throw new Error("the initial model rebuilt from the task's spec does not match its on-chain commitment");
  }
  const state = o.state.load({ aggregator: await aggregator.getAddress(), taskId: String(taskId), account });
  o.emit({
    event: "ready",
    taskId: String(taskId),
    account,
    params: layout.paramCount,
    chunks: layout.chunkCount,
    samples: o.train.y.length,
  });

  const rounds = Number(task.config.rounds);
  let accuracy = NaN;
  for (let round = 1; round <= rounds; round++) {
    const readRound = () => withRetry(`reading round ${round}`, () => aggregator.getRound(taskId, round));
    let info = await readRound();
    while (Number(info.state) === RoundState.None) {
      await sleep(o.pollMs ?? 500);
      info = await readRound();
    }
    o.emit({ event: "round-open", round });
    if (modelCommitment(spec, global) !== info.globalModelHash) {
      throw new Error(
        `round ${round}: the global model rebuilt locally does not match the round's commitment ` +
          `(${info.globalModelHash}); refusing to train on a model the cohort does not share`,
      );
    }
    const eligible = await aggregator.isEligible(taskId, round, account);
    if (!eligible) throw new Error(`account ${account} is not a participant of round ${round} of task ${taskId}`);

    if (Number(info.state) === RoundState.Open) {
      let chunks = state.updates[round] ? fromHexChunks(state.updates[round]) : undefined;
      let encodeMs = 0;
      if (!chunks) {
        setFlatWeights(model, global);
        const t0 = performance.now();
        const result = trainLocal(model, o.train, { ...o.training, seed: localTrainingSeed(o.training.seed, round) });
        const t1 = performance.now();
        o.emit({ event: "trained", round, ms: t1 - t0, loss: result.epochLosses.at(-1) ?? NaN });
        const local = getFlatWeights(model);
        const delta = local.map((w, i) => w - global[i]);
        chunks = encodeUpdate(delta, layout, { samples: o.train.y.length });
        encodeMs = performance.now() - t1;
        state.updates[round] = toHexChunks(chunks);
        o.state.save(state); // before the first chunk leaves: a restart resumes this exact update
      }
      let encryptMs = 0;
      let submitMs = 0;
      let gas = 0;
      // Connection drops are retried by re-running the whole submission: it skips the chunks the
      // chain already holds, so a transaction that landed before the drop is never sent twice.
      const receipts = await withRetry(`round ${round} submission`, () =>
        submitUpdate({
          aggregator: aggregator.connect(o.signer),
          instance: o.instance,
          taskId,
          round,
          chunks,
          layout,
          onChunk: (p) => {
            encryptMs += p.encryptMs ?? 0;
            submitMs += p.submitMs ?? 0;
            gas += Number(p.receipt?.gasUsed ?? 0);
            o.emit({
              event: "chunk",
              round,
              chunk: p.chunk,
              of: layout.chunkCount,
              skipped: p.skipped,
              gas: p.receipt ? Number(p.receipt.gasUsed) : undefined,
            });
          },
        }),
      );
      o.emit({ event: "submitted", round, encodeMs, encryptMs, submitMs, txs: receipts.length, gas });
    }

    while (![RoundState.Revealed, RoundState.Failed].includes(Number(info.state) as 3 | 4)) {
      await sleep(o.pollMs ?? 500);
      info = await readRound();
    }
    if (Number(info.state) === RoundState.Failed) {
      o.emit({ event: "round-failed", round });
      continue;
    }
    const t0 = performance.now();
    const aggregate = await withRetry(`round ${round} decryption`, () =>
      fetchAggregate({
        aggregator: aggregator.connect(o.signer),
        instance: o.instance,
        signer: o.signer,
        taskId,
        round,
        layout,
        policy: Number(task.config.policy),
      }),
    );
    const decryptMs = performance.now() - t0;
    global = applyDelta(global, aggregate.delta);
    setFlatWeights(model, global);
    const evaluation = evaluate(model, o.test);
    accuracy = evaluation.accuracy;
    o.emit({ event: "round-done", round, decryptMs, accuracy, loss: evaluation.loss });
  }
  o.emit({ event: "finished", accuracy });
  model.dispose();
  return { accuracy, weights: global };
}
