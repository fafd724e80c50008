/** The demo run itself (devnet, task, participant processes, rounds, baseline), used by `npm run demo` and the integration tests. */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { quantStep } from "../../client/src/codec";
import { openNetwork, type Network } from "../../client/src/chain/network";
import { measureTaskCosts } from "../../client/src/chain/events";
import { deployAggregator } from "../../client/src/chain/owner";
import { initBackend } from "../../client/src/ml/backend";
import type { Dataset } from "../../client/src/ml/dataset";
import { loadPartitions, type PartitionKind } from "../../client/src/node/data";
import { taskEncoding, type EncodingArtifacts } from "../../client/src/node/encoding";
import { saveInputBasis } from "../../client/src/node/inputBasisFile";
import { withPublicBasis } from "../../client/src/protocol/publicBasis";
import { OwnerSession } from "../../client/src/node/owner";
import type { ParticipantEvent } from "../../client/src/node/taskSession";
import { planTask, type TaskPlan } from "../../client/src/node/planTask";
import { describeClientCost, type ClientCost } from "../../client/src/protocol/plan";
import { specFromChoices, type ModelKind } from "../../client/src/protocol/modelSpec";
import { describeFrozen } from "../../client/src/protocol/weightShapes";
import { describePrivacy, privacyFromFlags, type DpFlags } from "../../client/src/protocol/privacy";
import { newTaskEncoding, type TaskChoices } from "../../client/src/protocol/taskChoices";
import { DEVNET_MINING, describeMining, startDevnet, type Devnet, type DevnetMining } from "./devnet";
import { encodedFedAvg, plaintextFedAvg, type Federation } from "./encoded-fedavg";
import { RssSampler } from "./memory";
import { ModelDirectory, readModelWeights } from "../../client/src/node/modelStore";
import { checkParticipants, spawnParticipant, type ParticipantProcess } from "./participants";
import { writeReport, type DemoReport, type RoundRow } from "./report";
import { sleep } from "../../client/src/util/sleep";

/** The demo's flags; the `--dp-*` ones (DpFlags) make the task differentially private. */
export interface DemoOptions extends DpFlags {
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
  labelColumn?: string;
  valueBits?: number;
  clip?: number;
  minCohort?: number;
  wordsPerChunk?: number;
  /** The task's update encoding, as `--compress` takes it (dct:10, hash:5, ...); default today's codec. */
  compress?: string;
  /** Partial training: the first n layers with weights keep their initial values and are not sent. */
  freeze?: number;
  /** A model file whose weights the task starts from (published: participants fetch it by its commitment). */
  initialWeights?: string;
  out: string;
  /** Mine a block every so many ms (default DEVNET_MINING); ignored with `automine`. */
  miningIntervalMs?: number;
  /** One block per transaction: the node's memory then grows with every FHE transaction. */
  automine?: boolean;
  /** Worker threads each participant process encrypts on (default: in-process, as the mock needs). */
  encryptThreads?: number;
  /** One fixed public pixel permutation on every image (ml/permute.ts): images without spatial structure. */
  permutePixels?: boolean;
  /**
   * A seeded share of the training set set aside before partitioning, no participant's: the public sample a
   * pca encoding takes its input basis from.
   */
  publicShare?: number;
  json?: boolean;
}

/** The devnet node's memory over the run (RSS sampled every second, plus after each round). */
export interface NodeMemory {
  mining: string;
  peakRssMb: number;
  rssAfterRoundMb: number[];
}

const log = (message: string) => process.stderr.write(`[demo] ${message}\n`);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

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
    // The mock devnet's encryption: no TFHE, so far below a real network's (the rows' clientProofSeconds).
    mockEncrypt: mean(submitted.map((e) => e.encryptMs)) / 1000,
    submit: mean(submitted.map((e) => e.submitMs)) / 1000,
    decrypt: mean(pick("round-done").map((e) => e.decryptMs)) / 1000,
  };
}

/** The report plus the final global weights of both runs (for tests comparing them). */
export interface DemoResult {
  report: DemoReport;
  weights: Float32Array;
  plaintextWeights: Float32Array;
  stepSize: number;
  nodeMemory: NodeMemory;
}

/** The owner's plan for the demo's task: the model for the data, every choice not given from TASK_DEFAULTS. */
function planDemoTask(
  o: DemoOptions,
  parts: Dataset[],
  publicSample: Dataset | undefined,
): { plan: TaskPlan; artifacts: EncodingArtifacts } {
  const first = parts[0];
  const model = {
    name: `Demo: ${o.model} on ${o.dataset}, ${o.clients} participants`,
    kind: o.model,
    inputShape: first.featureShape,
    numClasses: first.numClasses,
    seed: o.seed,
    hidden: o.hidden,
    classNames: first.labelNames,
  };
  const { encoding, inputBasis, retained, unfit } = withPublicBasis(
    newTaskEncoding(o.model, o.compress, Boolean(publicSample)),
    publicSample,
    {
      flag: "--public-share <fraction>",
      model: specFromChoices(model),
      valueBits: o.valueBits,
      byDefault: o.compress === undefined,
    },
  );
  if (unfit) log(`no pca default for this model (${unfit}): the task takes its default without public records`);
  if (inputBasis) {
    log(
      `pca input basis: ${inputBasis.keep} directions from ${publicSample!.y.length} public samples ` +
        `(${(retained! * 100).toFixed(1)}% of their second moment)`,
    );
  }
  const spec = specFromChoices({
    ...model,
    encoding,
    privacy: privacyFromFlags(o, o.rounds),
    frozenLayers: o.freeze,
    initialWeights: o.initialWeights ? "published" : undefined,
  });
  const choices: TaskChoices = {
    valueBits: o.valueBits,
    clip: o.clip,
    minCohort: o.minCohort,
    maxCohort: o.clients,
    rounds: o.rounds,
    wordsPerChunk: o.wordsPerChunk,
    // FedAvg's sample weights, except under DP (protocol/taskChoices.ts DP_SAMPLE_CAP_ERROR).
    sampleCap: spec.privacy ? 0 : Math.max(...parts.map((d) => d.y.length)),
  };
  const published = o.initialWeights ? readModelWeights(o.initialWeights) : undefined;
  return { plan: planTask(spec, choices, { published, inputBasis }), artifacts: { inputBasis } };
}

/** The owner's side before any chain: each client's partition, the test set and the task plan (checked and logged). */
function prepareDemo(o: DemoOptions): {
  parts: Dataset[];
  test: Dataset;
  plan: TaskPlan;
  artifacts: EncodingArtifacts;
} {
  // The owner's view of the data: the test set for evaluation and each client's partition for the baseline.
  const {
    parts,
    test,
    histogram,
    public: publicSample,
  } = loadPartitions({
    data: o.dataset,
    clients: o.clients,
    partition: o.partition,
    alpha: o.alpha,
    seed: o.seed,
    load: { limit: o.limit, labelColumn: o.labelColumn },
    permutePixels: o.permutePixels,
    publicShare: o.publicShare,
  });
  log(
    `partition (${o.partition})${o.permutePixels ? ", pixels permuted" : ""}, label histogram per client:\n${histogram}`,
  );
  const { plan, artifacts } = planDemoTask(o, parts, publicSample);
  plan.warnings.forEach((w) => log(`warning: ${w}`));
  if (o.clients < plan.minCohort) {
    throw new Error(`--clients ${o.clients} is below the minimum cohort K=${plan.minCohort}: no round could reveal`);
  }
  const { layout } = plan.plan;
  log(
    `${o.model} on ${o.dataset}: ${plan.paramCount} parameters -> ${layout.wordCount} words, ` +
      `${layout.chunkCount} chunk(s) per participant per round (${layout.valueBits}-bit values, ${layout.laneBits}-bit lanes` +
      `${plan.spec.encoding ? `, ${plan.spec.encoding.kind} encoding` : ""}${describeFrozen(plan.spec)})`,
  );
  log(`per participant per round: ${describeClientCost(plan.plan)}; the mock devnet does no TFHE`);
  log(`privacy: ${describePrivacy(plan.spec.privacy)}`);
  return { parts, test, plan, artifacts };
}

/** The demo's task on the devnet: the aggregator deployed, the task created for accounts 1..clients, the owner's session. */
async function openDemoTask(url: string, o: DemoOptions, plan: TaskPlan, test: Dataset, modelCache: ModelDirectory) {
  const network = await openNetwork(url);
  const { provider } = network;
  const signer = await provider.getSigner(0);
  const participants = await Promise.all(
    Array.from({ length: o.clients }, async (_, i) => (await provider.getSigner(i + 1)).getAddress()),
  );
  const { aggregator, blockNumber } = await deployAggregator(signer);
  const address = await aggregator.getAddress();
  const taskId = await OwnerSession.create(aggregator, plan, participants);
  const owner = await OwnerSession.open({
    aggregator,
    instance: network.fhevm.instance,
    signer,
    taskId,
    test,
    modelCache,
  });
  log(`aggregator ${address}, task ${taskId}`);
  return { network, address, blockNumber, taskId, owner };
}

/** The `flufhe node` flags of client i (account i + 1): its partition, training and a state file in runDir. */
function participantArgs(
  o: DemoOptions,
  i: number,
  url: string,
  address: string,
  taskId: bigint,
  runDir: string,
  fetches: boolean,
) {
  return [
    ...["--rpc", url, "--aggregator", address, "--task", String(taskId), "--account", String(i + 1)],
    ...["--data", o.dataset, "--client", String(i), "--clients", String(o.clients), "--partition", o.partition],
    ...["--alpha", String(o.alpha), "--seed", String(o.seed), "--epochs", String(o.epochs)],
    ...["--batch-size", String(o.batchSize), "--lr", String(o.lr)],
    ...["--state", path.join(runDir, `participant-${i}.json`)],
    // Each simulated silo's ledger stays with the run, not in the user's own ~/.flufhe.
    ...["--privacy-ledger", path.join(runDir, "privacy-ledger")],
    ...(o.limit ? ["--limit", String(o.limit)] : []),
    ...(o.labelColumn ? ["--label-column", o.labelColumn] : []),
    ...(o.encryptThreads ? ["--encrypt-threads", String(o.encryptThreads)] : []),
    ...(o.permutePixels ? ["--permute-pixels"] : []),
    ...(o.publicShare ? ["--public-share", String(o.publicShare)] : []),
    // Published initial weights or a pca basis: the owner's models directory is where participants fetch them.
    ...(fetches ? ["--models", path.join(runDir, "models")] : []),
  ];
}

/**
 * The owner's loop over every round while the participant processes train and submit; a row per round
 * (costs and baselines filled in later) and the node's RSS after each.
 */
async function runRounds(
  o: DemoOptions,
  owner: OwnerSession,
  processes: ParticipantProcess[],
  sampler: RssSampler,
  cost: ClientCost,
) {
  const failFast = () => checkParticipants(processes);
  const rows: RoundRow[] = [];
  const rssAfterRoundMb: number[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    const roundStart = Date.now();
    const { accuracy } = await owner.runRound({
      check: failFast,
      onEvent: (e) => e.event === "opened" && log(`round ${round} open`),
      // The participants' own decryptions complete the round's timings and costs.
      afterReveal: async () => {
        while (processes.some((p) => !p.events.some((e) => e.event === "round-done" && e.round === round))) {
          failFast();
          await sleep(200);
        }
      },
    });
    rows.push({
      round,
      accuracy,
      plaintextAccuracy: NaN,
      gasUsed: 0,
      hcuUsed: 0,
      txs: 0,
      proofsPerParticipant: cost.proofsPerParticipant,
      clientProofSeconds: cost.clientProofSeconds,
      clientThreads: cost.clientThreads,
      clientProofSecondsAtThreads: cost.clientProofSecondsAtThreads,
      seconds: (Date.now() - roundStart) / 1000,
      phases: phaseSeconds(processes, round),
    });
    rssAfterRoundMb.push(sampler.now());
    log(
      `round ${round}: encrypted-FedAvg accuracy ${(accuracy * 100).toFixed(2)}%, ` +
        `node RSS ${rssAfterRoundMb.at(-1)} MB (peak ${sampler.peakMb} MB)`,
    );
  }
  return { rows, rssAfterRoundMb };
}

/** Each round's gas, HCU and transaction count from the task's events since the deployment block. */
async function addChainCosts(rows: RoundRow[], network: Network, address: string, taskId: bigint, fromBlock: number) {
  const { provider } = network;
  const costs = await measureTaskCosts(
    provider,
    address,
    taskId,
    fromBlock,
    await provider.getBlockNumber(),
    network.fhevm.hcuOf,
  );
  for (const row of rows) {
    const cost = costs.get(row.round);
    if (cost) Object.assign(row, { gasUsed: cost.gas, hcuUsed: cost.hcu, txs: cost.txs });
  }
}

/** The plaintext baselines into the rows (and, with an encoding, its compressed one); returns plaintext FedAvg's weights. */
function addBaselines(
  o: DemoOptions,
  plan: TaskPlan,
  parts: Dataset[],
  test: Dataset,
  rows: RoundRow[],
  taskId: bigint,
  artifacts: EncodingArtifacts,
) {
  // The participants' partitions, seeds and local training, from the task's initial weights.
  const federation: Federation = {
    parts,
    test,
    rounds: o.rounds,
    epochs: o.epochs,
    batchSize: o.batchSize,
    lr: o.lr,
    seed: o.seed,
    initialWeights: plan.weights,
  };
  log("plaintext FedAvg baseline (same partitions, seeds and training)...");
  const plaintext = plaintextFedAvg(federation, plan.spec);
  rows.forEach((row, i) => (row.plaintextAccuracy = plaintext.accuracies[i]));
  if (plan.spec.encoding) {
    // The same encoding with its lane sums added in plaintext: what compression costs without encryption.
    log(`compressed plaintext FedAvg (${plan.spec.encoding.kind} encoding, lane sums in plaintext)...`);
    const encoding = taskEncoding(plan.spec, plan.paramCount, artifacts);
    const compressed = encodedFedAvg(federation, { spec: plan.spec, layout: plan.plan.layout, encoding, taskId });
    rows.forEach((row, i) => (row.compressedPlaintextAccuracy = compressed.accuracies[i]));
  }
  return plaintext.weights;
}

/** The report written to results/ (the field order is the report.json's). */
function demoReport(o: DemoOptions, plan: TaskPlan, rows: RoundRow[], started: number): DemoReport {
  const { layout } = plan.plan;
  return {
    dataset: o.dataset,
    model: o.model,
    clients: o.clients,
    rounds: rows,
    finalAccuracy: rows.at(-1)!.accuracy,
    plaintextFinalAccuracy: rows.at(-1)!.plaintextAccuracy,
    compressedPlaintextFinalAccuracy: rows.at(-1)!.compressedPlaintextAccuracy,
    encoding: plan.spec.encoding ?? { kind: "quant" },
    privacy: plan.spec.privacy ?? null,
    wordsPerParticipant: layout.wordCount,
    parameters: plan.paramCount,
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
}

/** The whole run: devnet, task, participant processes, rounds, costs, baselines, report; everything stopped at the end. */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  if (o.clients > 19) throw new Error("--clients can be at most 19 (the devnet funds 20 accounts, one is the owner)");
  const started = Date.now();
  await initBackend(undefined, log);
  const { parts, test, plan, artifacts } = prepareDemo(o);

  let devnet: Devnet | undefined;
  let sampler: RssSampler | undefined;
  let owner: OwnerSession | undefined;
  const processes: ParticipantProcess[] = [];
  const stopAll = () => processes.forEach((p) => p.kill());
  process.once("exit", stopAll);
  try {
    const mining: DevnetMining = o.automine ? "auto" : { intervalMs: o.miningIntervalMs ?? DEVNET_MINING.intervalMs };
    devnet = await startDevnet({ mining });
    sampler = new RssSampler(devnet.pid).start();
    log(`devnet ${devnet.url} (pid ${devnet.pid}, ${describeMining(mining)})`);
    const runDir = path.resolve(o.out, `demo-${new Date().toISOString().replace(/[:.]/g, "-")}`);
    mkdirSync(runDir, { recursive: true });
    // The owner's models; published initial weights start there, where the participants fetch them (--models).
    const models = new ModelDirectory(path.join(runDir, "models"));
    if (o.initialWeights) {
      const file = models.save({
        spec: plan.spec,
        commitment: plan.modelHash,
        weights: Array.from(plan.weights),
        round: 0,
      });
      log(`initial weights from ${o.initialWeights}: saved to ${file} for the participants (--models)`);
    }
    if (artifacts.inputBasis) {
      log(`pca input basis: saved to ${saveInputBasis(models, artifacts.inputBasis)} for the participants (--models)`);
    }
    const task = await openDemoTask(devnet.url, o, plan, test, models);
    owner = task.owner;

    // Each process joins `processes` as soon as it is spawned: a later failure still kills it.
    for (let i = 0; i < o.clients; i++) {
      const fetches = Boolean(o.initialWeights || artifacts.inputBasis);
      processes.push(
        spawnParticipant(i, participantArgs(o, i, devnet.url, task.address, task.taskId, runDir, fetches)),
      );
    }
    const { rows, rssAfterRoundMb } = await runRounds(o, owner, processes, sampler, plan.plan);
    await Promise.all(processes.map((p) => p.exited));
    // A model file like any node's: --initial-weights of a later task can start from it.
    log(`final model: ${models.path(owner.model.commitment())}`);

    await addChainCosts(rows, task.network, task.address, task.taskId, task.blockNumber);
    task.network.close();
    const plaintextWeights = addBaselines(o, plan, parts, test, rows, owner.taskId, artifacts);

    const report = demoReport(o, plan, rows, started);
    writeReport(runDir, report);
    log(`report: ${path.join(runDir, "report.json")} and report.html`);
    return {
      report,
      weights: owner.model.global,
      plaintextWeights,
      stepSize: quantStep(plan.plan.layout.clip, plan.plan.layout.valueBits),
      nodeMemory: { mining: describeMining(mining), peakRssMb: sampler.peakMb, rssAfterRoundMb },
    };
  } finally {
    sampler?.stop();
    stopAll();
    owner?.dispose();
    await devnet?.stop();
  }
}
