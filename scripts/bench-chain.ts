/**
 * `npm run bench:chain -- --json`: one encrypted FedAvg round of FLuFHE on a local fhEVM devnet,
 * side by side with the naive design (one euint32 ciphertext and one FHE.add per weight), with gas
 * and HCU per (parameter x participant) over the submission transactions. The last stdout line is
 * a JSON object when --json is given; it includes the devnet node's peak RSS (sampled every second).
 * The devnet mines on an interval (scripts/lib/devnet.ts); `--automine` for one block per transaction.
 * `--encrypt-threads n`: the packed round's participants encrypt on one pool of n worker threads.
 */
import { parseArgs } from "node:util";
import type { JsonRpcSigner, TransactionReceipt } from "ethers";
import { openNetwork } from "../client/src/chain/network";
import { decodeAggregate, encodeUpdate, layoutOf, quantStep, type Layout } from "../client/src/codec";
import { chooseCodec } from "../client/src/protocol/plan";
import { toOnChainCodec } from "../client/src/protocol/taskConfig";
import { TASK_DEFAULTS } from "../client/src/protocol/taskChoices";
import { Policy } from "../client/src/protocol/vocabulary";
import { submitUpdate } from "../client/src/chain/submit";
import { userDecryptWords } from "../client/src/fhe/decrypt";
import type { FhevmConnection } from "../client/src/fhe/instance";
import type { WordEncryptor } from "../client/src/fhe/encrypt";
import { participantEncryption } from "../client/src/fhe/encryptPool";
import { mulberry32 } from "../client/src/util/random";
import { NO_PRIVACY } from "../client/src/protocol/privacy";
import { FLuFHEAggregator__factory, NaiveAggregator__factory } from "../types";
import { DEVNET_MINING, describeMining, startDevnet, type DevnetMining } from "./lib/devnet";
import { RssSampler } from "./lib/memory";

const GAS_CAP = 16_777_216;
const HCU_CAP = 20_000_000;
const HCU_ADD_EUINT32 = 125_000;
const VALUES_PER_PROOF_EUINT32 = 64;

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    participants: { type: "string", default: "16" },
    params: { type: "string", default: "5000" },
    "value-bits": { type: "string", default: "8" },
    "max-cohort": { type: "string", default: "16" },
    "baseline-participants": { type: "string", default: "2" },
    seed: { type: "string", default: "1" },
    "mining-interval-ms": { type: "string", default: String(DEVNET_MINING.intervalMs) },
    automine: { type: "boolean", default: false },
    "encrypt-threads": { type: "string" },
  },
});

const log = (message: string) => process.stderr.write(`[bench:chain] ${message}\n`);

function positiveInt(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return n;
}

interface Totals {
  gas: number;
  hcu: number;
  txs: number;
  maxTxGas: number;
  maxTxHcu: number;
}

function tally(totals: Totals, receipt: TransactionReceipt, fhevm: FhevmConnection): void {
  const gas = Number(receipt.gasUsed);
  const hcu = fhevm.hcuOf(receipt);
  totals.gas += gas;
  totals.hcu += hcu;
  totals.txs += 1;
  totals.maxTxGas = Math.max(totals.maxTxGas, gas);
  totals.maxTxHcu = Math.max(totals.maxTxHcu, hcu);
}

const emptyTotals = (): Totals => ({ gas: 0, hcu: 0, txs: 0, maxTxGas: 0, maxTxHcu: 0 });

function randomDelta(n: number, seed: number, range: number): Float64Array {
  const random = mulberry32(seed);
  return Float64Array.from({ length: n }, () => (random() * 2 - 1) * range);
}

async function packedRound(
  fhevm: FhevmConnection,
  owner: JsonRpcSigner,
  participants: JsonRpcSigner[],
  layout: Layout,
  maxCohort: number,
  seed: number,
  encryptor?: WordEncryptor,
) {
  const aggregator = await new FLuFHEAggregator__factory(owner).deploy();
  await aggregator.waitForDeployment();
  const config = {
    modelHash: "0x" + "11".repeat(32),
    modelURI: "bench://random",
    codec: toOnChainCodec(layout),
    minCohort: TASK_DEFAULTS.minCohort,
    maxCohort,
    rounds: 1,
    roundDuration: TASK_DEFAULTS.roundDuration,
    policy: Policy.Participants,
    privacy: NO_PRIVACY,
  };
  const addresses = await Promise.all(participants.map((p) => p.getAddress()));
  await (await aggregator.createTask(config, addresses)).wait();
  const taskId = 1n;
  await (await aggregator.openRound(taskId, config.modelHash)).wait();

  const deltas = participants.map((_, i) => randomDelta(layout.paramCount, seed * 1000 + i, layout.clip));
  const totals = emptyTotals();
  const started = Date.now();
  // Participants submit concurrently (as independent nodes would); each one's chunks go in order.
  await Promise.all(
    participants.map(async (signer, i) => {
      const receipts = await submitUpdate({
        aggregator: aggregator.connect(signer),
        instance: fhevm.instance,
        encryptor,
        taskId,
        round: 1,
        chunks: encodeUpdate(deltas[i], layout),
        layout,
      });
      for (const r of receipts) tally(totals, r, fhevm);
      log(`participant ${i + 1}/${participants.length} submitted ${receipts.length} chunks`);
    }),
  );
  const submitSeconds = (Date.now() - started) / 1000;

  await (await aggregator.closeRound(taskId, 1)).wait();
  await (await aggregator.revealRound(taskId, 1)).wait();
  for (let first = 0; first < layout.wordCount; first += 256) {
    const count = Math.min(256, layout.wordCount - first);
    await (await aggregator.allowAggregate(taskId, 1, first, count)).wait();
  }
  const handles = await aggregator.aggregateHandles(taskId, 1, 0, layout.wordCount);
  const words = await userDecryptWords(fhevm.instance, owner, await aggregator.getAddress(), handles);
  const contributors = (await aggregator.chunkContributors(taskId, 1)).map(Number);
  const decoded = decodeAggregate(words, contributors, layout);
  let maxError = 0;
  for (let j = 0; j < layout.paramCount; j++) {
    const mean = deltas.reduce((s, d) => s + d[j], 0) / deltas.length;
    maxError = Math.max(maxError, Math.abs(decoded[j] - mean));
  }
  const step = quantStep(layout.clip, layout.valueBits);
  return { totals, submitSeconds, maxError, matches: maxError <= step };
}

async function naiveRound(
  fhevm: FhevmConnection,
  owner: JsonRpcSigner,
  participants: JsonRpcSigner[],
  paramCount: number,
  seed: number,
) {
  const naive = await new NaiveAggregator__factory(owner).deploy();
  await naive.waitForDeployment();
  const address = await naive.getAddress();
  const totals = emptyTotals();
  // Largest batch that fits both caps, calibrated on a first small batch of the first participant.
  let batch = VALUES_PER_PROOF_EUINT32;
  for (const [i, signer] of participants.entries()) {
    const user = await signer.getAddress();
    const random = mulberry32(seed * 7 + i);
    const values = Array.from({ length: paramCount }, () => BigInt(Math.floor(random() * 2 ** 16)));
    for (let first = 0; first < paramCount; first += batch) {
      const slice = values.slice(first, first + batch);
      const handles: string[] = [];
      const proofs: string[] = [];
      for (let p = 0; p < slice.length; p += VALUES_PER_PROOF_EUINT32) {
        const input = fhevm.instance.createEncryptedInput(address, user);
        for (const v of slice.slice(p, p + VALUES_PER_PROOF_EUINT32)) input.add32(v);
        const enc = await input.encrypt();
        handles.push(...enc.handles.map((h) => "0x" + Buffer.from(h).toString("hex")));
        proofs.push("0x" + Buffer.from(enc.inputProof).toString("hex"));
      }
      const tx = await naive.connect(signer).submit(first, handles, proofs, { gasLimit: GAS_CAP });
      const receipt = (await tx.wait())!;
      tally(totals, receipt, fhevm);
      if (totals.txs === 1) {
        const gasPerValue = Number(receipt.gasUsed) / slice.length;
        batch = Math.min(Math.floor((GAS_CAP * 0.98) / gasPerValue), Math.floor(HCU_CAP / HCU_ADD_EUINT32));
      }
    }
    log(`baseline participant ${i + 1}/${participants.length} submitted`);
  }
  return { totals, paramsPerTx: batch };
}

/** The command line, checked: the devnet funds 20 accounts (the owner and the participants). */
function benchOptions() {
  const participantsCount = positiveInt("participants", args.participants);
  const paramCount = positiveInt("params", args.params);
  const valueBits = positiveInt("value-bits", args["value-bits"]);
  const maxCohort = positiveInt("max-cohort", args["max-cohort"]);
  const baselineCount = positiveInt("baseline-participants", args["baseline-participants"]);
  const seed = positiveInt("seed", args.seed);
  const encryptThreads =
    args["encrypt-threads"] === undefined ? undefined : positiveInt("encrypt-threads", args["encrypt-threads"]);
  if (participantsCount < TASK_DEFAULTS.minCohort || participantsCount > maxCohort) {
    throw new Error(`--participants must be between ${TASK_DEFAULTS.minCohort} and --max-cohort (${maxCohort})`);
  }
  if (participantsCount + 1 > 20 || baselineCount > 19) throw new Error("the devnet has 20 funded accounts");
  return { participantsCount, paramCount, valueBits, maxCohort, baselineCount, seed, encryptThreads };
}

type BenchOptions = ReturnType<typeof benchOptions>;
type PackedResult = Awaited<ReturnType<typeof packedRound>>;
type NaiveResult = Awaited<ReturnType<typeof naiveRound>>;

/** The JSON result (its field order is the output's); the node's RSS is read here, after both rounds. */
function benchResult(
  o: BenchOptions,
  layout: Layout,
  packed: PackedResult,
  baseline: NaiveResult,
  mining: DevnetMining,
  memory: RssSampler,
) {
  const perParam = (t: Totals, participants: number) => ({
    gasPerParam: Math.round(t.gas / (o.paramCount * participants)),
    hcuPerParam: Math.round(t.hcu / (o.paramCount * participants)),
  });
  return {
    paramsPerTx: layout.paramsPerChunk,
    ...perParam(packed.totals, o.participantsCount),
    valueBits: o.valueBits,
    laneBits: layout.laneBits,
    lanesPerWord: layout.lanesPerWord,
    participants: o.participantsCount,
    decodedMatchesPlaintext: packed.matches,
    paramCount: o.paramCount,
    maxCohort: o.maxCohort,
    wordsPerChunk: layout.wordsPerChunk,
    txsPerParticipant: layout.chunkCount,
    maxTxGas: packed.totals.maxTxGas,
    maxTxHcu: packed.totals.maxTxHcu,
    // Steady state: a chunk from a participant that is not the first to contribute (mask + add per word).
    worstChunkGasPerParam: Math.round(packed.totals.maxTxGas / layout.paramsPerChunk),
    worstChunkHcuPerParam: Math.round(packed.totals.maxTxHcu / layout.paramsPerChunk),
    maxDecodeError: packed.maxError,
    submitSeconds: packed.submitSeconds,
    baseline: {
      paramsPerTx: baseline.paramsPerTx,
      ...perParam(baseline.totals, o.baselineCount),
      participants: o.baselineCount,
      maxTxGas: baseline.totals.maxTxGas,
      maxTxHcu: baseline.totals.maxTxHcu,
    },
    node: { mining: describeMining(mining), peakRssMb: memory.peakMb, finalRssMb: memory.now() },
  };
}

/** The side-by-side table, the decode check and the node's peak on stdout (then the JSON with --json). */
function printResult(result: ReturnType<typeof benchResult>, packed: PackedResult): void {
  const rows: [string, string | number, string | number][] = [
    ["params per tx", result.paramsPerTx, result.baseline.paramsPerTx],
    ["gas per param", result.gasPerParam, result.baseline.gasPerParam],
    ["HCU per param", result.hcuPerParam, result.baseline.hcuPerParam],
    ["largest tx gas", result.maxTxGas, result.baseline.maxTxGas],
    ["largest tx HCU", result.maxTxHcu, result.baseline.maxTxHcu],
    ["participants", result.participants, result.baseline.participants],
  ];
  console.log(`${"".padEnd(16)}${"FLuFHE packed".padStart(16)}${"naive euint32".padStart(16)}`);
  for (const [name, a, b] of rows) console.log(`${name.padEnd(16)}${String(a).padStart(16)}${String(b).padStart(16)}`);
  console.log(
    `decoded aggregate matches plaintext mean: ${packed.matches} (max error ${packed.maxError.toExponential(2)})`,
  );
  console.log(`devnet node (${result.node.mining}): peak RSS ${result.node.peakRssMb} MB`);
  if (args.json) console.log(JSON.stringify(result));
}

async function main(): Promise<void> {
  const o = benchOptions();
  const codec = chooseCodec({ paramCount: o.paramCount, maxCohort: o.maxCohort, valueBits: o.valueBits, clip: 0.05 });
  const layout = layoutOf(codec, o.maxCohort);
  log(
    `codec: ${o.valueBits}-bit values in ${layout.laneBits}-bit lanes, ${layout.lanesPerWord} per word, ` +
      `${layout.wordsPerChunk} words per chunk, ${layout.chunkCount} chunks for ${o.paramCount} parameters`,
  );

  const mining: DevnetMining = args.automine
    ? "auto"
    : { intervalMs: positiveInt("mining-interval-ms", args["mining-interval-ms"]) };
  const devnet = await startDevnet({ mining });
  const memory = new RssSampler(devnet.pid).start();
  try {
    log(`devnet on ${devnet.url} (pid ${devnet.pid}, ${describeMining(mining)})`);
    const network = await openNetwork(devnet.url);
    const { provider, fhevm } = network;
    const accounts = await Promise.all(Array.from({ length: 20 }, (_, i) => provider.getSigner(i)));
    const [owner, ...rest] = accounts;

    // The packed round, then the baseline, on one node: the RSS logged after the baseline includes both.
    const packedSigners = rest.slice(0, o.participantsCount);
    // --encrypt-threads: one worker pool (each thread its own mock instance) encrypts for every participant.
    const encryption = participantEncryption(network, o.encryptThreads);
    log(encryption.description);
    const packed = await packedRound(fhevm, owner, packedSigners, layout, o.maxCohort, o.seed, encryption.encryptor);
    await encryption.close();
    log(`packed round done, node RSS ${memory.now()} MB (peak ${memory.peakMb} MB)`);
    const baseline = await naiveRound(fhevm, owner, rest.slice(0, o.baselineCount), o.paramCount, o.seed);
    log(`baseline done, node RSS ${memory.now()} MB (peak ${memory.peakMb} MB)`);

    printResult(benchResult(o, layout, packed, baseline, mining, memory), packed);
    if (!packed.matches) process.exitCode = 1;
    network.close();
  } finally {
    memory.stop();
    await devnet.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`bench:chain failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
