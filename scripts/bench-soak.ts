/**
 * `npm run bench:soak -- --json`: a memory soak of the devnet. Rounds of M participants against one
 * Hardhat node, through the client code every run uses (planTask, OwnerSession, TaskSession's
 * decryption, submitUpdate with encrypted chunks); each participant has its own provider and fhEVM
 * connection, as separate nodes would. Updates are random deltas instead of trained ones: the soak
 * measures the node, not training. Defaults: MNIST logistic regression (7,850 parameters), 8
 * participants, 20 rounds (30-60 min on 2 cores; `--rounds 3` for a quick look). `--encrypt-threads n`:
 * the participants encrypt on one pool of n worker threads (each thread its own mock instance).
 *
 * The node's RSS (VmRSS of its PID) is sampled every --sample-ms for the peak (overall and per phase)
 * and read 3 s after every round, after a full garbage collection in the node (flufhe_nodeMemory, which
 * also splits it into JS heap and native memory), with the round's transactions (from the aggregator's
 * events) and MB per transaction. The last
 * stdout line (with --json) is one JSON object: peakRssMb, rssAfterRound, txs, secondsPerRound, ...
 */
import { parseArgs } from "node:util";
import type { JsonRpcSigner } from "ethers";
import { measureTaskCosts } from "../client/src/chain/events";
import { openNetwork, type Network } from "../client/src/chain/network";
import type { WordEncryptor } from "../client/src/fhe/encrypt";
import { participantEncryption } from "../client/src/fhe/encryptPool";
import { deployAggregator } from "../client/src/chain/owner";
import { explainError } from "../client/src/chain/errors";
import { guardAgainstDroppedConnections, withRetry } from "../client/src/chain/retry";
import { submitUpdate } from "../client/src/chain/submit";
import { encodeUpdate } from "../client/src/codec";
import { initBackend } from "../client/src/ml/backend";
import { OwnerSession } from "../client/src/node/owner";
import { planTask, type TaskPlan } from "../client/src/node/planTask";
import { TaskSession } from "../client/src/node/taskSession";
import type { ModelSpec } from "../client/src/protocol/modelSpec";
import { TASK_DEFAULTS } from "../client/src/protocol/taskChoices";
import { mulberry32 } from "../client/src/util/random";
import { FLuFHEAggregator__factory, type FLuFHEAggregator } from "../types";
import {
  DEVNET_CACHED_STATES,
  DEVNET_MAX_REQUESTS,
  DEVNET_MINING,
  describeMining,
  startDevnet,
  type DevnetMining,
} from "./lib/devnet";
import { RssSampler } from "./lib/memory";
import { readNodeMemory, type NodeMemory } from "./lib/node-memory";
import { sleep } from "../client/src/util/sleep";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    rounds: { type: "string", default: "20" },
    participants: { type: "string", default: "8" },
    params: { type: "string", default: "7850" },
    "value-bits": { type: "string", default: String(TASK_DEFAULTS.valueBits) },
    "mining-interval-ms": { type: "string", default: String(DEVNET_MINING.intervalMs) },
    automine: { type: "boolean", default: false },
    "node-max-requests": { type: "string", default: String(DEVNET_MAX_REQUESTS) },
    "node-cached-states": { type: "string", default: String(DEVNET_CACHED_STATES) },
    "sample-ms": { type: "string", default: "1000" },
    "max-rss-mb": { type: "string", default: "0" },
    seed: { type: "string", default: "1" },
    "encrypt-threads": { type: "string" },
  },
});

const log = (message: string) => process.stderr.write(`[bench:soak] ${message}\n`);

function int(name: string, value: string | undefined, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer of at least ${min}, got ${value}`);
  return n;
}

/** One participant: its own connection to the node, its signer and its view of the task. */
interface Participant {
  network: Network;
  signer: JsonRpcSigner;
  aggregator: FLuFHEAggregator;
  session: TaskSession;
}

/** Per-round measurements. */
interface RoundRow {
  round: number;
  seconds: number;
  submitSeconds: number;
  decryptSeconds: number;
  txs: number;
  gas: number;
  rssMb: number;
  memory: NodeMemory;
  peakRssMb: number;
  submitPeakMb: number;
  decryptPeakMb: number;
}

/** Pause after a round before its RSS is read (the node only answers polls meanwhile). */
const SETTLE_MS = 3000;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const round1 = (x: number) => Math.round(x * 10) / 10;

/** The soak's size and sampling from the command line; the --node-* limits are read in main, after the plan is logged. */
function soakOptions() {
  const rounds = int("rounds", args.rounds);
  const participantCount = int("participants", args.participants, TASK_DEFAULTS.minCohort);
  const params = int("params", args.params, 20);
  const valueBits = int("value-bits", args["value-bits"], 2);
  const sampleMs = int("sample-ms", args["sample-ms"], 100);
  const maxRssMb = int("max-rss-mb", args["max-rss-mb"], 0);
  const seed = int("seed", args.seed);
  const encryptThreads =
    args["encrypt-threads"] === undefined ? undefined : int("encrypt-threads", args["encrypt-threads"]);
  if (participantCount > 19) throw new Error("--participants can be at most 19 (the devnet funds 20 accounts)");
  const mining: DevnetMining = args.automine
    ? "auto"
    : { intervalMs: int("mining-interval-ms", args["mining-interval-ms"]) };
  return { rounds, participantCount, params, valueBits, sampleMs, maxRssMb, seed, mining, encryptThreads };
}

type SoakOptions = ReturnType<typeof soakOptions>;

/** The task's plan: logistic regression sized to --params, planned like any task (logged with the node's settings). */
function soakPlan(o: SoakOptions): TaskPlan {
  // Logistic regression over f features and 10 classes has 10 f + 10 parameters (784 features: MNIST).
  const features = Math.ceil(o.params / 10) - 1;
  const spec: ModelSpec = { kind: "logreg", inputShape: [features], numClasses: 10, seed: o.seed };
  const plan = planTask(spec, { valueBits: o.valueBits, maxCohort: o.participantCount, rounds: o.rounds });
  const { layout } = plan.plan;
  log(
    `logreg ${features}x10: ${plan.paramCount} parameters -> ${layout.wordCount} words, ${layout.chunkCount} chunks ` +
      `per participant per round; ${o.participantCount} participants, ${o.rounds} rounds, ${describeMining(o.mining)}, ` +
      `node takes ${args["node-max-requests"]} requests at once (0: any) and keeps ${args["node-cached-states"]} block states`,
  );
  return plan;
}

/** Everything a round needs: the run's options and plan, the node, the owner's session and the participants. */
interface Soak {
  o: SoakOptions;
  plan: TaskPlan;
  url: string;
  memory: RssSampler;
  ownerNet: Network;
  address: string;
  taskId: bigint;
  owner: OwnerSession;
  participants: Participant[];
  /** --encrypt-threads: one worker pool encrypts for every participant; default in-process. */
  encryptor?: WordEncryptor;
}

/**
 * The owner's deployment and task, then one connection and TaskSession per participant (accounts 1..M).
 * Connections and sessions go into `networks` and `sessions` as they open, so a failure still closes them.
 */
async function openSoak(
  o: SoakOptions,
  plan: TaskPlan,
  url: string,
  memory: RssSampler,
  networks: Network[],
  sessions: { dispose(): void }[],
) {
  const ownerNet = await openNetwork(url);
  networks.push(ownerNet);
  const ownerSigner = await ownerNet.provider.getSigner(0);
  const { aggregator, blockNumber: deployBlock } = await deployAggregator(ownerSigner);
  const address = await aggregator.getAddress();

  const connections: { network: Network; signer: JsonRpcSigner }[] = [];
  for (let i = 0; i < o.participantCount; i++) {
    const network = await openNetwork(url);
    networks.push(network);
    connections.push({ network, signer: await network.provider.getSigner(i + 1) });
  }
  const addresses = await Promise.all(connections.map((c) => c.signer.getAddress()));
  const taskId = await OwnerSession.create(aggregator, plan, addresses);
  const owner = await OwnerSession.open({ aggregator, instance: ownerNet.fhevm.instance, signer: ownerSigner, taskId });
  sessions.push(owner);
  const participants: Participant[] = [];
  for (const { network, signer } of connections) {
    const participantAggregator = FLuFHEAggregator__factory.connect(address, signer);
    const session = await TaskSession.open({
      aggregator: participantAggregator,
      instance: network.fhevm.instance,
      signer,
      taskId,
    });
    sessions.push(session);
    participants.push({ network, signer, aggregator: participantAggregator, session });
  }
  const soak: Soak = { o, plan, url, memory, ownerNet, address, taskId, owner, participants };
  return { soak, deployBlock };
}

/** Every participant encrypts and submits a seeded random delta at once, as independent nodes would. */
async function submitRandomUpdates(s: Soak, round: number): Promise<void> {
  const { layout } = s.plan.plan;
  await Promise.all(
    s.participants.map((p, i) => {
      const random = mulberry32(s.o.seed * 1_000_003 + round * 1009 + i);
      const delta = Float64Array.from({ length: layout.paramCount }, () => (random() * 2 - 1) * 0.01);
      const chunks = encodeUpdate(delta, layout);
      return withRetry(`participant ${i + 1}, round ${round} submission`, () =>
        submitUpdate({
          aggregator: p.aggregator,
          instance: p.network.fhevm.instance,
          encryptor: s.encryptor,
          taskId: s.taskId,
          round,
          chunks,
          layout,
        }),
      );
    }),
  );
}

/** The round's two phases: open + submit, then close + reveal + decrypt; their times and the node's peak in each. */
async function runSoakRound(s: Soak, round: number) {
  const t0 = Date.now();
  s.memory.startWindow();
  let t1 = 0;
  let submitPeakMb = 0;
  await s.owner.runRound({
    afterOpen: async () => {
      await submitRandomUpdates(s, round);
      t1 = Date.now();
      submitPeakMb = s.memory.startWindow();
    },
    // Every participant grants itself the aggregate and user-decrypts it alongside the owner.
    afterReveal: async () => void (await Promise.all(s.participants.map((p) => p.session.applyRound(round)))),
  });
  const t2 = Date.now();
  const decryptPeakMb = s.memory.startWindow();
  return { t0, t1, t2, submitPeakMb, decryptPeakMb };
}

type RoundPhases = Awaited<ReturnType<typeof runSoakRound>>;

/** The round's row: the node's memory once settled, and the transactions and gas in blocks after `lastBlock`. */
async function measureRound(s: Soak, round: number, phases: RoundPhases, lastBlock: number) {
  // What the node keeps between rounds, not a transient of the last decryption: read after a short pause.
  await sleep(SETTLE_MS);
  // After a full collection in the node: the JS heap's swing within a round is not growth.
  const nodeMemory = await readNodeMemory(s.url);
  const { provider, fhevm } = s.ownerNet;
  const head = await provider.getBlockNumber();
  const costs = await measureTaskCosts(provider, s.address, s.taskId, lastBlock + 1, head, fhevm.hcuOf);
  const cost = costs.get(round);
  const { t0, t1, t2 } = phases;
  const row: RoundRow = {
    round,
    seconds: (t2 - t0) / 1000,
    submitSeconds: (t1 - t0) / 1000,
    decryptSeconds: (t2 - t1) / 1000,
    txs: cost?.txs ?? 0,
    gas: cost?.gas ?? 0,
    rssMb: nodeMemory.rssMb,
    memory: nodeMemory,
    peakRssMb: s.memory.peakMb,
    submitPeakMb: phases.submitPeakMb,
    decryptPeakMb: phases.decryptPeakMb,
  };
  return { row, head };
}

/** One stderr line per round: times, transactions, and the node's memory against the round before (`previous` MB). */
function logRound(row: RoundRow, rounds: number, previous: number): void {
  const { rssMb, memory: nodeMemory } = row;
  log(
    `round ${row.round}/${rounds}: ${row.seconds.toFixed(1)} s (open+submit ${row.submitSeconds.toFixed(1)} s, ` +
      `close+reveal+decrypt ${row.decryptSeconds.toFixed(1)} s), ${row.txs} txs, ${(row.gas / 1e9).toFixed(2)}G gas; ` +
      `node RSS ${rssMb} MB (${rssMb - previous >= 0 ? "+" : ""}${rssMb - previous} MB, ` +
      `${((rssMb - previous) / Math.max(1, row.txs)).toFixed(2)} MB/tx), peak ${row.submitPeakMb} MB while submitting, ` +
      `${row.decryptPeakMb} MB while decrypting; JS heap ${nodeMemory.heapUsedMb}/${nodeMemory.heapTotalMb} MB, ` +
      `native ${nodeMemory.nativeMb} MB`,
  );
}

/** Every round in turn, each measured before the next; stops early when the node's peak passes --max-rss-mb. */
async function runSoakRounds(s: Soak, rssStartMb: number, deployBlock: number): Promise<RoundRow[]> {
  const rows: RoundRow[] = [];
  let lastBlock = deployBlock - 1;
  for (let round = 1; round <= s.o.rounds; round++) {
    const phases = await runSoakRound(s, round);
    const { row, head } = await measureRound(s, round, phases, lastBlock);
    lastBlock = head;
    const previous = rows.at(-1)?.rssMb ?? rssStartMb;
    rows.push(row);
    logRound(row, s.o.rounds, previous);
    if (s.o.maxRssMb > 0 && s.memory.peakMb > s.o.maxRssMb) {
      throw new Error(`the node reached ${s.memory.peakMb} MB, over --max-rss-mb ${s.o.maxRssMb}: stopped`);
    }
  }
  return rows;
}

/** The node's settings the run used (they shape its memory). */
interface NodeSettings {
  maxRequests: number;
  cachedStates: number;
}

/** The JSON result (field order is the output's): the node's RSS after each round, its growth per transaction, times. */
function soakResult(s: Soak, node: NodeSettings, rows: RoundRow[], rssStartMb: number, started: number) {
  const rssAfterRound = rows.map((r) => r.rssMb);
  const laterTxs = sum(rows.slice(1).map((r) => r.txs));
  const roundTwoRssMb = rssAfterRound[1] ?? rssAfterRound[0];
  return {
    rounds: s.o.rounds,
    participants: s.o.participantCount,
    params: s.plan.paramCount,
    chunksPerParticipant: s.plan.plan.layout.chunkCount,
    mining: describeMining(s.o.mining),
    nodeMaxRequests: node.maxRequests,
    nodeCachedStates: node.cachedStates,
    peakRssMb: s.memory.peakMb,
    rssStartMb,
    rssAfterRound,
    /** The node's JS heap in use and its native remainder (rss - heap - external) after each round. */
    heapUsedAfterRound: rows.map((r) => r.memory.heapUsedMb),
    nativeAfterRound: rows.map((r) => r.memory.nativeMb),
    roundTwoRssMb,
    /** Last round's RSS over round 2's: the target is at most 1.2. */
    endOverRoundTwo: Math.round((rssAfterRound.at(-1)! / roundTwoRssMb) * 1000) / 1000,
    txs: sum(rows.map((r) => r.txs)),
    txsPerRound: rows.map((r) => r.txs),
    /** Growth after round 1 per transaction sent after it. */
    mbPerTx: laterTxs ? Math.round(((rssAfterRound.at(-1)! - rssAfterRound[0]) / laterTxs) * 1000) / 1000 : 0,
    secondsPerRound: rows.map((r) => round1(r.seconds)),
    submitSecondsPerRound: rows.map((r) => round1(r.submitSeconds)),
    decryptSecondsPerRound: rows.map((r) => round1(r.decryptSeconds)),
    submitPeakRssMb: rows.map((r) => r.submitPeakMb),
    decryptPeakRssMb: rows.map((r) => r.decryptPeakMb),
    gasPerRound: rows.map((r) => r.gas),
    seconds: round1((Date.now() - started) / 1000),
  };
}

async function main(): Promise<void> {
  const o = soakOptions();
  await initBackend(undefined, log);
  // After tfjs' wasm runtime (it installs a rethrowing handler): a dropped connection is retried, not fatal.
  guardAgainstDroppedConnections(log, explainError);
  const plan = soakPlan(o);

  // After the plan's log line (which shows these flags as given): a bad value fails only here.
  const maxRequests = int("node-max-requests", args["node-max-requests"], 0);
  const cachedStates = int("node-cached-states", args["node-cached-states"]);
  const devnet = await startDevnet({ mining: o.mining, maxRequests, cachedStates });
  const memory = new RssSampler(devnet.pid, o.sampleMs).start();
  const networks: Network[] = [];
  const sessions: { dispose(): void }[] = [];
  const started = Date.now();
  try {
    log(`devnet ${devnet.url} (pid ${devnet.pid}), node RSS ${memory.now()} MB`);
    const { soak, deployBlock } = await openSoak(o, plan, devnet.url, memory, networks, sessions);
    const encryption = participantEncryption(soak.ownerNet, o.encryptThreads);
    sessions.push({ dispose: () => void encryption.close() });
    soak.encryptor = encryption.encryptor;
    log(encryption.description);
    const rssStartMb = memory.now();
    log(`aggregator ${soak.address}, task ${soak.taskId}; node RSS ${rssStartMb} MB before round 1`);

    const rows = await runSoakRounds(soak, rssStartMb, deployBlock);
    const result = soakResult(soak, { maxRequests, cachedStates }, rows, rssStartMb, started);
    console.log(
      `${o.rounds} rounds x ${o.participantCount} participants (${plan.paramCount} params, ${result.txs} txs): node RSS ` +
        `${result.rssAfterRound.join(" ")} MB after each round; peak ${result.peakRssMb} MB; last/round 2 = ${result.endOverRoundTwo}`,
    );
    if (args.json) console.log(JSON.stringify(result));
  } finally {
    memory.stop();
    sessions.forEach((s) => s.dispose());
    networks.forEach((n) => n.close());
    await devnet.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`bench:soak failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
