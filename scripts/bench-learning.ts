/**
 * `npm run bench:learning -- --json`: what compressing the encrypted updates costs in accuracy and buys
 * on chain. In one process, on the same partitions, seeds and local training: plaintext FedAvg (the
 * reference), today's 8-bit codec and every compressed configuration, each through the production
 * encode -> integer lane sums -> decode path (the lane sums are added in plaintext, which is exact: the
 * contract's masked euint128 additions never carry between lanes). Then the best configuration goes
 * through a local fhEVM devnet for one round with the real client path (planTask, OwnerSession,
 * submitUpdate, fetchAggregate): the decrypted on-chain aggregate must equal the simulated lane sums
 * bit for bit, and gas and HCU are measured there. Every config also reports, per round, its accuracy
 * and what one participant has sent so far (words, input proofs, and gas and HCU from the planner's
 * per-participant estimate), and `costToTarget`: the cumulative gas per participant until its accuracy
 * first reaches the reference's final accuracy minus 1 pp (null if never), with `costRatio` = the 8-bit
 * codec's costToTarget / the config's (null when either is null). --permute-pixels runs on images
 * with one fixed, public pixel permutation (client/src/ml/permute.ts): no spatial structure, the
 * stand-in for tabular records. With --json the last stdout line is one JSON object:
 * {"reference": {"accuracy", "accuracies", "target", "rounds": [{"round", "accuracy"}]}, "configs":
 * [{"name", "wordsPerParticipant", "compression", "accuracy", "gapPp", "gapLast3Pp" (the reference's mean
 * accuracy over the last 3 rounds minus the config's, in pp: steadier than the final round's), "gasPerModelParam",
 * "hcuPerModelParam", "onChainVerified", ..., "rounds": [{"round", "accuracy", "cumulativeWords",
 * "cumulativeProofs", "cumulativeGas", "cumulativeHcu"}], "costToTarget", "costRatio"}], "best": "<name>",
 * "baselinesFrom": <file or null>, ...}. --baselines-from reads the reference and 8-bit rows from an earlier
 * run of the same settings (lib/saved-baselines.ts) instead of training them again.
 */
import { Command, InvalidArgumentError } from "commander";
import type { JsonRpcSigner } from "ethers";
import {
  encodingName,
  parseCompressFlag,
  specEncoding,
  withInputBasis,
  type EncodingSpec,
  type UpdateEncoding,
} from "../client/src/codec/encoding";
import type { InputBasis } from "../client/src/codec/inputBasis";
import { fetchAggregate, type RevealedAggregate } from "../client/src/chain/aggregate";
import { openNetwork } from "../client/src/chain/network";
import { deployAggregator } from "../client/src/chain/owner";
import { submitUpdate } from "../client/src/chain/submit";
import type { FhevmConnection } from "../client/src/fhe/instance";
import { initBackend } from "../client/src/ml/backend";
import type { Dataset } from "../client/src/ml/dataset";
import { PARTITION_KINDS } from "../client/src/node/data";
import { checkTaskEncoding, taskEncoding } from "../client/src/node/encoding";
import { basisFromSample } from "../client/src/protocol/publicBasis";
import { OwnerSession } from "../client/src/node/owner";
import { planTask, type TaskPlan } from "../client/src/node/planTask";
import { MODEL_KINDS, modelCommitment, parseModelSpec, type ModelSpec } from "../client/src/protocol/modelSpec";
import { codecDefaults } from "../client/src/protocol/taskChoices";
import { pcaKeepByWordsRule } from "../client/src/protocol/wordsRule";
import { Policy } from "../client/src/protocol/vocabulary";
import type { FLuFHEAggregator } from "../types";
import { accuracyTarget, costRatio, costToTarget, lastRoundsGapPp, roundRecords } from "./lib/cost-to-target";
import { startDevnet } from "./lib/devnet";
import {
  encodedFedAvg,
  plaintextFedAvg,
  simulatedFederation,
  workloadOptions,
  type EncodedRun,
  type Federation,
  type Workload,
} from "./lib/encoded-fedavg";
import { positive } from "./lib/flags";
import { parsePretrainSource, pretrainedWeights, publicTrainingData } from "./lib/pretrain";
import { readSavedBaselines } from "./lib/saved-baselines";

interface Options extends Workload {
  json?: boolean;
  maxCohort?: number;
  baselineClip: number;
  configs: string;
  chain: boolean;
  chainConfig?: string;
  baselinesFrom?: string;
  pretrain?: string;
  pretrainEpochs: number;
  /** A share of the training split no participant gets, the public sample pca configs take their basis from. */
  publicShare?: number;
}

/** One configuration of the sweep: an encoding with its value bits and clip (the task's on-chain codec). */
interface ConfigSpec {
  name: string;
  encoding: EncodingSpec;
  valueBits: number;
  clip: number;
  /** Partial training: the spec's frozenLayers (absent: every layer trains). */
  frozenLayers?: number;
}

/**
 * The default sweep (docs/cost-and-benchmarks.md, "Compressed updates"): plain stochastic rounding, the
 * shared-seed projections, the image-layer DCT at four sizes and in ternary.
 */
const DEFAULT_CONFIGS = [
  "stochastic,bits=3,clip=0.12",
  "randk:5,bits=3,clip=0.18",
  "hash:5,bits=3,clip=0.18",
  "dct:12,bits=3,clip=0.18",
  "dct:10,bits=3,clip=0.18",
  "dct:8,bits=3,clip=0.18",
  "dct:8,bits=2,clip=0.08",
  "dct:6,bits=3,clip=0.18",
].join(";");

/** "dct:10,bits=3,clip=0.12" -> a config; --compress syntax first, then value bits, clip and frozen layers. */
function parseConfig(text: string): ConfigSpec {
  const [compress, ...settings] = text.split(",").map((s) => s.trim());
  const encoding = parseCompressFlag(compress);
  let { valueBits, clip } = codecDefaults(encoding.kind);
  let frozenLayers: number | undefined;
  for (const s of settings) {
    const [key, value] = s.split("=");
    const n = Number(value);
    if (key === "bits" && Number.isInteger(n)) valueBits = n;
    else if (key === "clip" && n > 0) clip = n;
    else if (key === "freeze" && Number.isInteger(n) && n > 0) frozenLayers = n;
    else
      throw new InvalidArgumentError(`config "${text}": unknown setting "${s}" (use bits=<b>, clip=<C>, freeze=<n>)`);
  }
  const name = `${encodingName(encoding)}-${valueBits}b-c${clip}${frozenLayers ? `-f${frozenLayers}` : ""}`;
  return { name, encoding, valueBits, clip, frozenLayers };
}

const log = (message: string) => process.stderr.write(`[bench:learning] ${message}\n`);

/** Today's codec at 8-bit values: the baseline every config's words and costRatio are measured against. */
const BASELINE_NAME = "quant-8b";

/** The simulated task id: what the devnet's first task gets, so the chain round reuses the sweep's seeds. */
const TASK_ID = 1n;

interface Setup {
  o: Options;
  federation: Federation;
  sampleCap: number;
  maxCohort: number;
  baseSpec: ModelSpec;
  /** The public sample pca configs compute their input basis from (--public-share). */
  publicData?: Dataset;
  /** pca's bases by directions kept, computed once per run. */
  bases: Map<number, InputBasis>;
}

/**
 * A pca config's basis: the dominant directions of the public sample's inputs (basisFromSample), as many
 * as the config keeps, or (bare "pca") as the words rule gives for the model at the config's value bits.
 */
function inputBasisFor(setup: Setup, config: ConfigSpec): InputBasis | undefined {
  const { encoding } = config;
  if (encoding.kind !== "pca") return undefined;
  const { publicData } = setup;
  if (!publicData)
    throw new InvalidArgumentError(`${encodingName(encoding)} needs a public sample: add --public-share`);
  const keep = encoding.keep ?? pcaKeepByWordsRule(setup.baseSpec, config.valueBits);
  let basis = setup.bases.get(keep);
  if (!basis) {
    const computed = basisFromSample(publicData, keep);
    log(
      `pca:${keep}: basis from ${publicData.y.length} public samples holds ${(computed.retained * 100).toFixed(2)}% of their second moment`,
    );
    basis = computed.basis;
    setup.bases.set(keep, basis);
  }
  return basis;
}

/** The task plan of a config: the spec with its encoding, TASK_DEFAULTS for the rest, cohort and sample cap of the run. */
function planConfig(setup: Setup, config: ConfigSpec): { plan: TaskPlan; encoding: UpdateEncoding } {
  const inputBasis = inputBasisFor(setup, config);
  const spec = parseModelSpec({
    ...setup.baseSpec,
    encoding: specEncoding(
      inputBasis ? withInputBasis({ ...config.encoding, keep: inputBasis.keep }, inputBasis) : config.encoding,
    ),
    frozenLayers: config.frozenLayers,
  });
  const artifacts = { inputBasis };
  const plan = planTask(
    spec,
    {
      valueBits: config.valueBits,
      clip: config.clip,
      maxCohort: setup.maxCohort,
      minCohort: Math.min(3, setup.o.clients),
      rounds: setup.o.rounds,
      sampleCap: setup.sampleCap,
    },
    artifacts,
  );
  const encoding = taskEncoding(spec, plan.paramCount, artifacts);
  checkTaskEncoding(encoding, plan.plan.layout);
  return { plan, encoding };
}

/** A config's plan and accuracies; round 1's chunks and sums only when simulated in this process. */
interface ConfigRun {
  plan: TaskPlan;
  encoding: UpdateEncoding;
  accuracies: number[];
  round1?: EncodedRun["round1"];
}

/** A run the devnet can replay: simulated here, with round 1's chunks and lane sums. */
type SimulatedRun = ConfigRun & Pick<EncodedRun, "round1">;

/** A config's simulated run: the production encoder and decoder, the lane sums added exactly in plaintext. */
function configRun(setup: Setup, config: ConfigSpec): SimulatedRun {
  const { plan, encoding } = planConfig(setup, config);
  const run = encodedFedAvg(
    setup.federation,
    { spec: plan.spec, layout: plan.plan.layout, encoding, taskId: TASK_ID },
    { label: config.name },
  );
  return { plan, encoding, accuracies: run.accuracies, round1: run.round1 };
}

/** The devnet side of a chain round: its fhEVM, the owner, one signer per participant, the owner's aggregator. */
interface ChainParts {
  fhevm: FhevmConnection;
  owner: JsonRpcSigner;
  signers: JsonRpcSigner[];
  aggregator: FLuFHEAggregator;
}

/** What round 1 cost on chain (all participants' submissions) and the aggregate it revealed. */
interface ReplayedRound {
  gas: number;
  hcu: number;
  txs: number;
  submitSeconds: number;
  aggregate: RevealedAggregate;
}

/**
 * Round 1 through the owner's loop: each participant sends its sweep chunks (not freshly trained ones,
 * so the aggregate can be compared with the simulation), then the owner fetches the revealed aggregate.
 */
async function replayRound1(session: OwnerSession, chain: ChainParts, run: SimulatedRun): Promise<ReplayedRound> {
  const { fhevm, owner, signers, aggregator } = chain;
  const { plan, encoding, round1 } = run;
  const totals = { gas: 0, hcu: 0, txs: 0, submitSeconds: 0 };
  const result: { aggregate?: RevealedAggregate } = {};
  await session.runRound({
    onEvent: (e) => {
      if (e.event === "opened" && e.globalModelHash !== modelCommitment(plan.spec, plan.weights))
        throw new Error("round 1 opened on another model");
    },
    // Participants submit one after another (2 cores: concurrent encryption only slows each down).
    afterOpen: async (round) => {
      const started = Date.now();
      for (const [i, signer] of signers.entries()) {
        const receipts = await submitUpdate({
          aggregator: aggregator.connect(signer),
          instance: fhevm.instance,
          taskId: session.taskId,
          round,
          chunks: round1.chunks[i],
          layout: plan.plan.layout,
        });
        for (const r of receipts) {
          totals.gas += Number(r.gasUsed);
          totals.hcu += fhevm.hcuOf(r);
          totals.txs++;
        }
        log(`  participant ${i + 1}/${signers.length}: ${receipts.length} transaction(s)`);
      }
      totals.submitSeconds = (Date.now() - started) / 1000;
    },
    // The raw lane sums too, to compare with the plaintext simulation word for word.
    afterReveal: async (round) => {
      result.aggregate = await fetchAggregate({
        aggregator: aggregator.connect(owner),
        instance: fhevm.instance,
        signer: owner,
        taskId: session.taskId,
        round,
        layout: plan.plan.layout,
        policy: Policy.Participants,
        encoding,
        model: plan.weights,
      });
    },
  });
  const { aggregate } = result;
  if (!aggregate) throw new Error("round 1 was not revealed");
  return { ...totals, aggregate };
}

/** The on-chain round against the simulation (words and decoded delta, bit for bit) and its costs per parameter. */
function chainResult(replayed: ReplayedRound, run: SimulatedRun, participants: number) {
  const { aggregate, gas, hcu, txs, submitSeconds } = replayed;
  const { round1, plan } = run;
  const wordsEqual =
    aggregate.words.length === round1.words.length && aggregate.words.every((w, i) => w === round1.words[i]);
  const deltaEqual =
    aggregate.delta.length === round1.delta.length && aggregate.delta.every((v, i) => Object.is(v, round1.delta[i]));
  const perParam = (x: number) => Math.round(x / (plan.paramCount * participants));
  return {
    onChainVerified: wordsEqual && deltaEqual,
    wordsEqual,
    deltaEqual,
    contributors: aggregate.contributors,
    gasPerModelParam: perParam(gas),
    hcuPerModelParam: perParam(hcu),
    gasPerParticipant: Math.round(gas / participants),
    hcuPerParticipant: Math.round(hcu / participants),
    txsPerParticipant: txs / participants,
    submitSeconds,
  };
}

type ChainResult = ReturnType<typeof chainResult>;

/**
 * Round 1 of a config on a fresh devnet through the client path: planTask's config, OwnerSession
 * create/open/close/reveal, each participant's sweep chunks encrypted and sent by submitUpdate, then
 * fetchAggregate (user decryption + the encoding's decoder). Checks words and decoded delta bit for bit.
 */
async function chainRound(setup: Setup, config: ConfigSpec, run: ConfigRun): Promise<ChainResult> {
  const { round1 } = run;
  if (!round1)
    throw new InvalidArgumentError(`${config.name} was read from --baselines-from: it has no round 1 to replay`);
  const simulated: SimulatedRun = { ...run, round1 };
  const devnet = await startDevnet();
  log(`devnet ${devnet.url} (pid ${devnet.pid}) for ${config.name}`);
  try {
    const network = await openNetwork(devnet.url);
    try {
      const { provider, fhevm } = network;
      const owner = await provider.getSigner(0);
      const signers = await Promise.all(setup.federation.parts.map((_, i) => provider.getSigner(i + 1)));
      const { aggregator } = await deployAggregator(owner);
      const addresses = await Promise.all(signers.map((s) => s.getAddress()));
      const taskId = await OwnerSession.create(aggregator, run.plan, addresses);
      if (taskId !== TASK_ID) throw new Error(`the devnet's task is ${taskId}, the sweep simulated task ${TASK_ID}`);
      const session = await OwnerSession.open({
        aggregator,
        instance: fhevm.instance,
        signer: owner,
        taskId,
        encodingArtifacts: { inputBasis: inputBasisFor(setup, config) },
      });
      try {
        const replayed = await replayRound1(session, { fhevm, owner, signers, aggregator }, simulated);
        return chainResult(replayed, simulated, signers.length);
      } finally {
        session.dispose();
      }
    } finally {
      network.close();
    }
  } finally {
    await devnet.stop();
  }
}

/** Flags commander cannot check alone, and the config list parsed: a bad one fails before any training. */
function checkOptions(o: Options): ConfigSpec[] {
  if (!MODEL_KINDS.includes(o.model))
    throw new InvalidArgumentError(`--model must be one of ${MODEL_KINDS.join(", ")}`);
  if (!PARTITION_KINDS.includes(o.partition)) {
    throw new InvalidArgumentError(`--partition must be one of ${PARTITION_KINDS.join(", ")}`);
  }
  if (o.clients > 19) throw new InvalidArgumentError("--clients can be at most 19 (the devnet funds 20 accounts)");
  const configs = o.configs
    .split(";")
    .filter((c) => c.trim())
    .map(parseConfig);
  if (o.chain) checkChainConfig(o, configs);
  if (o.pretrain !== undefined) parsePretrainSource(o.pretrain);
  if (o.publicShare !== undefined && !(o.publicShare > 0 && o.publicShare < 1)) {
    throw new InvalidArgumentError(`--public-share must be a fraction in (0, 1), got ${o.publicShare}`);
  }
  const pretrainShare = o.pretrain === undefined ? undefined : parsePretrainSource(o.pretrain);
  if (o.publicShare !== undefined && pretrainShare && "publicShare" in pretrainShare) {
    throw new InvalidArgumentError("--pretrain public:<share> and --public-share both set a share aside: give one");
  }
  const pca = configs.find((c) => c.encoding.kind === "pca");
  if (pca && o.publicShare === undefined && !(pretrainShare && "publicShare" in pretrainShare)) {
    throw new InvalidArgumentError(
      `${pca.name} takes its input basis from a public sample: add --public-share <fraction>`,
    );
  }
  if (o.pretrain && o.chain) {
    throw new InvalidArgumentError(
      "--pretrain starts every run from weights a task cannot start from yet (tasks start from their spec's seed): add --no-chain",
    );
  }
  return configs;
}

/** The devnet round's config exists and can run (not one read from --baselines-from), checked before any training. */
function checkChainConfig(o: Options, configs: ConfigSpec[]): void {
  const names = [BASELINE_NAME, ...configs.map((c) => c.name)];
  if (o.chainConfig !== undefined && !names.includes(o.chainConfig)) {
    throw new InvalidArgumentError(`--chain-config ${o.chainConfig} is not one of ${names.join(", ")}`);
  }
  if (!o.baselinesFrom) return;
  if (o.chainConfig === BASELINE_NAME || configs.length === 0) {
    throw new InvalidArgumentError(
      `--baselines-from reads ${BASELINE_NAME}'s accuracies but not its round 1, so it cannot go through the devnet: ` +
        "take a compressed config (--configs, --chain-config) or add --no-chain",
    );
  }
}

/** What every config shares: the partitions and test set, the base model, the tasks' cohort and sample cap. */
function learningSetup(o: Options): Setup {
  const source = o.pretrain === undefined ? undefined : parsePretrainSource(o.pretrain);
  const publicShare = source && "publicShare" in source ? source.publicShare : o.publicShare;
  const { federation, spec, publicData } = simulatedFederation({ ...o, publicShare }, log);
  if (source) {
    const { batchSize, lr, seed } = o;
    const train = publicTrainingData(source, publicData, seed);
    const options = { epochs: o.pretrainEpochs, batchSize, lr, seed };
    federation.initialWeights = pretrainedWeights(spec, train, federation.test, options, log);
  }
  const setup: Setup = {
    o,
    federation,
    sampleCap: Math.max(...federation.parts.map((p) => p.y.length)),
    maxCohort: o.maxCohort ?? o.clients,
    baseSpec: spec,
    publicData,
    bases: new Map(),
  };
  log(
    `${o.model} on ${o.dataset}${o.permutePixels ? " (pixels permuted)" : ""}: ${o.clients} participants (${o.partition}, alpha ${o.alpha}), ${o.rounds} rounds of ${o.epochs} epoch(s)`,
  );
  return setup;
}

/**
 * A config's row of the table and the JSON (field order is the output's); gas and HCU stay null until
 * measured on chain, costRatio until the baseline's costToTarget is known (withCostRatios).
 */
function configRow(config: ConfigSpec, run: ConfigRun, baselineWords: number, referenceAccuracies: number[]) {
  const { layout, proofsPerParticipant, gasPerParticipant, hcuPerParticipant } = run.plan.plan;
  const referenceAccuracy = referenceAccuracies.at(-1)!;
  const accuracy = run.accuracies.at(-1)!;
  // Per round: the planner's per-participant estimate (every word adds), as estimatedGasPerModelParam.
  const rounds = roundRecords(run.accuracies, {
    words: layout.wordCount,
    proofs: proofsPerParticipant,
    gas: gasPerParticipant,
    hcu: hcuPerParticipant,
  });
  return {
    name: config.name,
    wordsPerParticipant: layout.wordCount,
    compression: baselineWords / layout.wordCount,
    accuracy,
    gapPp: (referenceAccuracy - accuracy) * 100,
    gapLast3Pp: lastRoundsGapPp(referenceAccuracies, run.accuracies),
    gasPerModelParam: null as number | null,
    hcuPerModelParam: null as number | null,
    onChainVerified: false,
    encoding: config.encoding,
    valueBits: layout.valueBits,
    laneBits: layout.laneBits,
    lanesPerWord: layout.lanesPerWord,
    clip: layout.clip,
    coordinates: run.encoding.dimension,
    txsPerParticipant: layout.chunkCount,
    estimatedGasPerModelParam: Math.round(run.plan.plan.gasPerParam),
    estimatedHcuPerModelParam: Math.round(run.plan.plan.hcuPerParam),
    // On a real network: client-side encryption with ZK proofs (the mock devnet skips it).
    clientProofSeconds: run.plan.plan.clientProofSeconds,
    accuracies: run.accuracies,
    rounds,
    costToTarget: costToTarget(rounds, accuracyTarget(referenceAccuracy)),
    costRatio: null as number | null,
  };
}

type ConfigRow = ReturnType<typeof configRow>;

/** Every row's costRatio against the baseline's (the 8-bit codec's) costToTarget. */
function withCostRatios(rows: ConfigRow[], baselineName: string): ConfigRow[] {
  const baseline = rows.find((r) => r.name === baselineName)!;
  return rows.map((r) => ({ ...r, costRatio: costRatio(baseline.costToTarget, r.costToTarget) }));
}

/** Best: the most compressed configuration within 1.0 pp of the reference, else the closest one. */
function pickBest(rows: ConfigRow[], baselineName: string): ConfigRow {
  const compressed = rows.filter((r) => r.name !== baselineName);
  const within = compressed.filter((r) => r.gapPp <= 1.0).sort((a, b) => b.compression - a.compression);
  return within[0] ?? [...compressed].sort((a, b) => a.gapPp - b.gapPp)[0] ?? rows[0];
}

/** Round 1 of the named config on a devnet; its row gets the measured gas, HCU and verification. */
async function runOnChain(
  setup: Setup,
  all: ConfigSpec[],
  runs: Map<string, ConfigRun>,
  rows: ConfigRow[],
  onChainName: string,
): Promise<ChainResult> {
  const config = all.find((c) => c.name === onChainName)!; // a name checkChainConfig accepted
  log(`round 1 of ${config.name} on the devnet`);
  const chain = await chainRound(setup, config, runs.get(config.name)!);
  Object.assign(
    rows.find((r) => r.name === config.name)!,
    {
      gasPerModelParam: chain.gasPerModelParam,
      hcuPerModelParam: chain.hcuPerModelParam,
      onChainVerified: chain.onChainVerified,
    },
  );
  log(
    `on chain: aggregate ${chain.onChainVerified ? "equals" : "DIFFERS FROM"} the simulated lane sums; ` +
      `${chain.gasPerModelParam} gas and ${chain.hcuPerModelParam} HCU per model parameter per participant`,
  );
  return chain;
}

/**
 * The human-readable table on stdout: measured gas/HCU where the devnet ran, the planner's estimate (~)
 * elsewhere; "to target" (costToTarget, in millions of gas) and "ratio" (costRatio) from the planner's estimate.
 */
function printTable(referenceAccuracy: number, rows: ConfigRow[], best: ConfigRow): void {
  const pct = (x: number) => (x * 100).toFixed(2);
  console.log(
    `reference (plaintext FedAvg): ${pct(referenceAccuracy)}%; target ${pct(accuracyTarget(referenceAccuracy))}% ` +
      `("to target": gas per participant until first reached; "ratio": the 8-bit codec's "to target" / the config's)`,
  );
  const header = [
    "config",
    "words",
    "compr.",
    "acc %",
    "gap pp",
    "gap3 pp",
    "gas/param",
    "HCU/param",
    "to target",
    "ratio",
    "on chain",
  ];
  const widths = [26, 7, 7, 7, 7, 8, 10, 10, 10, 7, 9];
  const mgas = (gas: number | null) => (gas === null ? "never" : `${(gas / 1e6).toFixed(1)}M`);
  console.log(header.map((h, i) => (i === 0 ? h.padEnd(widths[i]) : h.padStart(widths[i]))).join(" "));
  for (const r of rows) {
    const cells = [
      r.name,
      r.wordsPerParticipant,
      r.compression.toFixed(1) + "x",
      pct(r.accuracy),
      r.gapPp.toFixed(2),
      r.gapLast3Pp.toFixed(2),
      r.gasPerModelParam ?? `~${r.estimatedGasPerModelParam}`,
      r.hcuPerModelParam ?? `~${r.estimatedHcuPerModelParam}`,
      mgas(r.costToTarget),
      r.costRatio === null ? "-" : r.costRatio.toFixed(1) + "x",
      r.onChainVerified ? "verified" : "-",
    ];
    console.log(cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(" "));
  }
  console.log(
    `best: ${best.name} (${best.compression.toFixed(1)}x fewer words, ${best.gapPp.toFixed(2)} pp from the reference)`,
  );
}

/** The run's settings as the JSON reports them (parameters: the model's, from the 8-bit baseline's plan). */
function settingsOf(setup: Setup, parameters: number) {
  const { o } = setup;
  return {
    dataset: o.dataset,
    permutePixels: o.permutePixels ?? false,
    model: o.model,
    hidden: o.hidden,
    parameters,
    clients: o.clients,
    partition: o.partition,
    alpha: o.alpha,
    rounds: o.rounds,
    epochs: o.epochs,
    batchSize: o.batchSize,
    lr: o.lr,
    seed: o.seed,
    maxCohort: setup.maxCohort,
    pretrain: o.pretrain ? `${o.pretrain}, ${o.pretrainEpochs} epoch(s)` : undefined,
    publicShare: o.publicShare,
  };
}

/** The plaintext reference and the 8-bit baseline: trained here, or read from --baselines-from. */
function baselineRuns(setup: Setup, config: ConfigSpec): { reference: { accuracies: number[] }; baseline: ConfigRun } {
  const { baselinesFrom } = setup.o;
  if (baselinesFrom) {
    const { plan, encoding } = planConfig(setup, config);
    const saved = readSavedBaselines(baselinesFrom, settingsOf(setup, plan.paramCount), config);
    log(`reference and ${config.name}: read from ${baselinesFrom}`);
    return { reference: { accuracies: saved.reference }, baseline: { plan, encoding, accuracies: saved.baseline } };
  }
  log("reference: plaintext FedAvg");
  const reference = plaintextFedAvg(setup.federation, setup.baseSpec, "reference");
  log(config.name);
  return { reference, baseline: configRun(setup, config) };
}

async function main(o: Options): Promise<void> {
  const configs = checkOptions(o);
  const started = Date.now();
  await initBackend(undefined, log);
  const setup = learningSetup(o);

  const baselineConfig: ConfigSpec = {
    name: BASELINE_NAME,
    encoding: { kind: "quant" },
    valueBits: 8,
    clip: o.baselineClip,
  };
  const { reference, baseline } = baselineRuns(setup, baselineConfig);
  const referenceAccuracy = reference.accuracies.at(-1)!;
  const all = [baselineConfig, ...configs];
  const runs = new Map<string, ConfigRun>([[baselineConfig.name, baseline]]);
  for (const config of configs) {
    log(`${config.name}`);
    runs.set(config.name, configRun(setup, config));
  }
  const rows = withCostRatios(
    all.map((c) => configRow(c, runs.get(c.name)!, baseline.plan.plan.layout.wordCount, reference.accuracies)),
    baselineConfig.name,
  );
  const best = pickBest(rows, baselineConfig.name);
  const onChainName = o.chainConfig ?? best.name;
  const chain = o.chain ? await runOnChain(setup, all, runs, rows, onChainName) : undefined;

  printTable(referenceAccuracy, rows, best);
  if (o.json) {
    console.log(
      JSON.stringify({
        reference: {
          accuracy: referenceAccuracy,
          accuracies: reference.accuracies,
          target: accuracyTarget(referenceAccuracy),
          rounds: reference.accuracies.map((accuracy, i) => ({ round: i + 1, accuracy })),
        },
        configs: rows,
        best: best.name,
        chain: chain ? { config: onChainName, ...chain } : null,
        settings: settingsOf(setup, baseline.plan.paramCount),
        baselinesFrom: o.baselinesFrom ?? null,
        seconds: Math.round((Date.now() - started) / 1000),
      }),
    );
  }
  if (chain && !chain.onChainVerified) process.exitCode = 1;
}

const program = workloadOptions(
  new Command()
    .name("bench:learning")
    .description("accuracy and on-chain cost of compressed encrypted updates against plaintext FedAvg"),
)
  .option("--max-cohort <n>", "the tasks' maximum cohort (lane headroom; default: --clients)", positive("--max-cohort"))
  .option("--baseline-clip <C>", "clip bound of today's 8-bit codec", positive("--baseline-clip", false), 0.1)
  .option(
    "--configs <list>",
    "compressed configs, ';'-separated: <--compress value>[,bits=<b>][,clip=<C>]",
    DEFAULT_CONFIGS,
  )
  .option(
    "--baselines-from <file>",
    "read the reference's and the 8-bit codec's accuracies from an earlier --json output of the same settings",
  )
  .option(
    "--pretrain <dataset|public:share>",
    "start every run (reference included) from the model trained centrally on this dataset, or on a share of the " +
      "workload's training split that no participant gets (public:0.5); needs --no-chain",
  )
  .option("--pretrain-epochs <n>", "epochs of that training", positive("--pretrain-epochs"), 1)
  .option(
    "--public-share <fraction>",
    "set this share of the training split aside before partitioning (no participant trains on it): the public " +
      "sample pca configs take their input basis from; the reference and every config train without it",
    positive("--public-share", false),
  )
  .option("--no-chain", "skip the devnet round")
  .option("--chain-config <name>", "the config to take through the devnet (default: the best)")
  .option("--json", "print one JSON object as the last stdout line")
  .action(async (o: Options) => main(o));

program.parseAsync().catch((error: unknown) => {
  console.error(`bench:learning failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
