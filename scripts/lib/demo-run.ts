/** The demo run itself (devnet, task, participant processes, rounds, baseline), used by `npm run demo` and the integration tests. */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { connectProvider } from "../../client/src/chain/rpc";
import { chooseCodec, layoutOf, quantStep } from "../../client/src/codec";
import { fetchAggregate } from "../../client/src/chain/aggregate";
import { costsByRound } from "../../client/src/chain/costs";
import { withRetry } from "../../client/src/chain/retry";
import { Policy, createTrainingTask, deployAggregator } from "../../client/src/chain/owner";
import { connectLocalFhevm } from "../../client/src/fhe/local";
import { initBackend } from "../../client/src/ml/backend";
import { computeDelta, fedAvg } from "../../client/src/ml/fedavg";
import {
  buildModel,
  getFlatWeights,
  initialiseWeights,
  setFlatWeights,
  type ModelKind,
  type ModelSpec,
} from "../../client/src/ml/models";
import { evaluate, trainLocal } from "../../client/src/ml/train";
import type { Dataset } from "../../client/src/ml/dataset";
import { loadPartitions, type PartitionKind } from "../../client/src/node/data";
import { applyDelta, modelCommitment, specToUri } from "../../client/src/node/model";
import { RoundState, localTrainingSeed, type ParticipantEvent } from "../../client/src/node/participant";
import { startDevnet, type Devnet } from "./devnet";
import { spawnParticipant, type ParticipantProcess } from "./participants";
import { writeReport, type DemoReport, type RoundRow } from "./report";

export interface DemoOptions {
  dataset: string;
  model: ModelKind;
  clients: number;
  rounds: number;
  partition: PartitionKind;
  alpha: number;
  seed: number;
  epochs: number;
  batchSize: number;
  lr: number;
  limit?: number;
  hidden?: string;
  valueBits: number;
  clip: number;
  wordsPerChunk?: number;
  out: string;
  miningIntervalMs?: number;
  json?: boolean;
}

const log = (message: string) => process.stderr.write(`[demo] ${message}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/**
 * Sends an owner transaction; if the node reports an error but the chain shows the step took effect
 * (the mock node's concurrent-request race, or a dropped connection after mining), carries on.
 */
async function ownerStep(send: () => Promise<{ wait(): Promise<unknown> }>, tookEffect: () => Promise<boolean>) {
  try {
    await (await send()).wait();
  } catch (error) {
    if (!(await tookEffect())) throw error;
  }
}

/** Phase timings of one round, averaged over participants, from their JSON events. */
function phaseSeconds(processes: ParticipantProcess[], round: number) {
  const pick = <E extends ParticipantEvent["event"]>(name: E) =>
    processes.flatMap((p) =>
      p.events.filter(
        (e): e is Extract<ParticipantEvent, { event: E }> => e.event === name && "round" in e && e.round === round,
      ),
    );
  const submitted = pick("submitted");
  return {
    train: mean(pick("trained").map((e) => e.ms)) / 1000,
    encode: mean(submitted.map((e) => e.encodeMs)) / 1000,
    encrypt: mean(submitted.map((e) => e.encryptMs)) / 1000,
    submit: mean(submitted.map((e) => e.submitMs)) / 1000,
    decrypt: mean(pick("round-done").map((e) => e.decryptMs)) / 1000,
  };
}

/** Plaintext FedAvg with the same partitions, seeds and local training as the encrypted run. */
function plaintextFedAvg(o: DemoOptions, spec: ModelSpec, parts: Dataset[], test: Dataset) {
  const model = buildModel(spec);
  initialiseWeights(model, spec.seed);
  let global = getFlatWeights(model);
  const accuracies: number[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    const updates = parts.map((train, i) => {
      setFlatWeights(model, global);
      trainLocal(model, train, {
        epochs: o.epochs,
        batchSize: o.batchSize,
        learningRate: o.lr,
        seed: localTrainingSeed(o.seed + i, round),
      });
      return { delta: computeDelta(getFlatWeights(model), global), numSamples: train.y.length };
    });
    global = fedAvg(global, updates, { weighted: true });
    setFlatWeights(model, global);
    accuracies.push(evaluate(model, test).accuracy);
  }
  model.dispose();
  return { accuracies, weights: global };
}

/** The report plus the final global weights of both runs (for tests comparing them). */
export interface DemoResult {
  report: DemoReport;
  weights: Float32Array;
  plaintextWeights: Float32Array;
  stepSize: number;
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  if (o.clients < 2)
    throw new Error("--clients must be at least 2 (the minimum cohort that hides an individual update)");
  if (o.clients > 19) throw new Error("--clients can be at most 19 (the devnet funds 20 accounts, one is the owner)");
  const started = Date.now();
  await initBackend(undefined, log);

  // The owner's view of the data: the test set for evaluation and each client's partition for the baseline.
  const { parts, test, histogram } = loadPartitions({
    data: o.dataset,
    clients: o.clients,
    partition: o.partition,
    alpha: o.alpha,
    seed: o.seed,
    load: { limit: o.limit },
  });
  log(`partition (${o.partition}), label histogram per client:\n${histogram}`);
  const first = parts[0];
  const spec: ModelSpec = {
    kind: o.model,
    inputShape: first.featureShape,
    numClasses: first.numClasses,
    seed: o.seed,
    ...(o.hidden ? { hidden: o.hidden.split(",").map(Number) } : {}),
  };
  const model = buildModel(spec);
  initialiseWeights(model, spec.seed);
  let global = getFlatWeights(model);
  const maxSamples = Math.max(...parts.map((d) => d.y.length));
  const codec = {
    ...chooseCodec({ paramCount: global.length, maxCohort: o.clients, valueBits: o.valueBits, clip: o.clip }),
    sampleCap: maxSamples,
    ...(o.wordsPerChunk ? { wordsPerChunk: o.wordsPerChunk } : {}),
  };
  const layout = layoutOf(codec, o.clients);
  log(
    `${o.model} on ${o.dataset}: ${global.length} parameters -> ${layout.wordCount} words, ` +
      `${layout.chunkCount} chunk(s) per participant per round (${layout.valueBits}-bit values, ${layout.laneBits}-bit lanes)`,
  );

  let devnet: Devnet | undefined;
  const processes: ParticipantProcess[] = [];
  const stopAll = () => processes.forEach((p) => p.kill());
  process.once("exit", stopAll);
  try {
    devnet = await startDevnet({ miningIntervalMs: o.miningIntervalMs });
    log(`devnet ${devnet.url} (pid ${devnet.pid})`);
    const { provider } = await connectProvider(devnet.url);
    const fhevm = await connectLocalFhevm(devnet.url);
    const owner = await provider.getSigner(0);
    const participants = await Promise.all(Array.from({ length: o.clients }, (_, i) => provider.getSigner(i + 1)));
    const { aggregator, blockNumber } = await deployAggregator(owner);
    const address = await aggregator.getAddress();
    const taskId = await createTrainingTask(aggregator, {
      modelHash: modelCommitment(spec, global),
      modelURI: specToUri(spec),
      codec,
      participants: await Promise.all(participants.map((p) => p.getAddress())),
      minCohort: 2,
      maxCohort: o.clients,
      rounds: o.rounds,
      roundDuration: 24 * 3600,
      policy: Policy.Participants,
    });
    log(`aggregator ${address}, task ${taskId}`);

    const runDir = path.resolve(o.out, `demo-${new Date().toISOString().replace(/[:.]/g, "-")}`);
    mkdirSync(runDir, { recursive: true });
    for (let i = 0; i < o.clients; i++) {
      const args = [
        ...["--rpc", devnet.url, "--aggregator", address, "--task", String(taskId), "--account", String(i + 1)],
        ...["--data", o.dataset, "--client", String(i), "--clients", String(o.clients), "--partition", o.partition],
        ...["--alpha", String(o.alpha), "--seed", String(o.seed), "--epochs", String(o.epochs)],
        ...[
          "--batch-size",
          String(o.batchSize),
          "--lr",
          String(o.lr),
          "--state",
          path.join(runDir, `participant-${i}.json`),
        ],
        ...(o.limit ? ["--limit", String(o.limit)] : []),
      ];
      processes.push(spawnParticipant(i, args));
    }
    const failed = () => processes.find((p) => p.child.exitCode !== null && p.child.exitCode !== 0);

    const rows: RoundRow[] = [];
    for (let round = 1; round <= o.rounds; round++) {
      const roundStart = Date.now();
      const stateIs = (states: number[]) => async () =>
        states.includes(Number((await aggregator.getRound(taskId, round)).state));
      await ownerStep(() => aggregator.openRound(taskId, modelCommitment(spec, global)), stateIs([RoundState.Open]));
      log(`round ${round} open`);
      for (;;) {
        const bad = failed();
        if (bad)
          throw new Error(`participant ${bad.index} exited with code ${bad.child.exitCode}:\n${bad.stderrTail()}`);
        const info = await withRetry("reading the round", () => aggregator.getRound(taskId, round));
        if (info.completed === info.eligible) break;
        await sleep(300);
      }
      await ownerStep(() => aggregator.closeRound(taskId, round), stateIs([RoundState.Closed, RoundState.Failed]));
      const closed = await aggregator.getRound(taskId, round);
      if (Number(closed.state) !== RoundState.Closed) throw new Error(`round ${round} failed to reach quorum`);
      await ownerStep(() => aggregator.revealRound(taskId, round), stateIs([RoundState.Revealed]));
      const aggregate = await withRetry("decrypting the aggregate", () =>
        fetchAggregate({
          aggregator,
          instance: fhevm.instance,
          signer: owner,
          taskId,
          round,
          layout,
          policy: Policy.Participants,
        }),
      );
      global = applyDelta(global, aggregate.delta);
      setFlatWeights(model, global);
      const accuracy = evaluate(model, test).accuracy;
      // Wait for the participants' own decryptions so the round's timings and costs are complete.
      while (processes.some((p) => !p.events.some((e) => e.event === "round-done" && e.round === round))) {
        const bad = failed();
        if (bad)
          throw new Error(`participant ${bad.index} exited with code ${bad.child.exitCode}:\n${bad.stderrTail()}`);
        await sleep(200);
      }
      rows.push({
        round,
        accuracy,
        plaintextAccuracy: NaN,
        gasUsed: 0,
        hcuUsed: 0,
        txs: 0,
        seconds: (Date.now() - roundStart) / 1000,
        phases: phaseSeconds(processes, round),
      });
      log(`round ${round}: encrypted-FedAvg accuracy ${(accuracy * 100).toFixed(2)}%`);
    }
    await Promise.all(processes.map((p) => p.exited));

    const costs = await costsByRound(
      provider,
      address,
      taskId,
      blockNumber,
      await provider.getBlockNumber(),
      fhevm.hcuOf,
    );
    for (const row of rows) Object.assign(row, costs.get(row.round) ?? {});
    log("plaintext FedAvg baseline (same partitions, seeds and training)...");
    const plaintext = plaintextFedAvg(o, spec, parts, test);
    rows.forEach((row, i) => (row.plaintextAccuracy = plaintext.accuracies[i]));
    provider.destroy();

    const report: DemoReport = {
      dataset: o.dataset,
      model: o.model,
      clients: o.clients,
      rounds: rows,
      finalAccuracy: rows.at(-1)!.accuracy,
      plaintextFinalAccuracy: rows.at(-1)!.plaintextAccuracy,
      parameters: global.length,
      codec: {
        valueBits: layout.valueBits,
        laneBits: layout.laneBits,
        lanesPerWord: layout.lanesPerWord,
        clip: layout.clip,
      },
      chunksPerParticipant: layout.chunkCount,
      partition: o.partition,
      seconds: (Date.now() - started) / 1000,
    };
    writeReport(runDir, report);
    log(`report: ${path.join(runDir, "report.json")} and report.html`);
    return {
      report,
      weights: global,
      plaintextWeights: plaintext.weights,
      stepSize: quantStep(layout.clip, layout.valueBits),
    };
  } finally {
    stopAll();
    model.dispose();
    await devnet?.stop();
  }
}
