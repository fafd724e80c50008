/**
 * `npm run demo`: the end-to-end encrypted federated training run. Starts a local fhEVM devnet,
 * deploys the aggregator, creates a task, spawns one OS process per participant (each trains on
 * its seeded partition and submits encrypted updates), coordinates the rounds as the model owner,
 * and in the same run computes plaintext FedAvg on the same partitions, seeds and training as the
 * baseline. Prints a per-round table, writes a JSON + HTML report under results/, and shuts
 * everything down (also on Ctrl-C or failure). With --json the last stdout line is one JSON object.
 */
import { Command, InvalidArgumentError } from "commander";
import { explainError } from "../client/src/chain/errors";
import { guardAgainstDroppedConnections } from "../client/src/chain/retry";
import { initBackend } from "../client/src/ml/backend";
import { PARTITION_KINDS } from "../client/src/node/data";
import { MODEL_KINDS } from "../client/src/protocol/modelSpec";
import { approxDuration, threadsLabel } from "../client/src/protocol/clientCost";
import { TASK_DEFAULTS, defaultEncodingsText, encodedDefaultsText } from "../client/src/protocol/taskChoices";
import { PRIVACY_DEFAULTS, describePrivacy } from "../client/src/protocol/privacy";
import { ROUND_TRAINING } from "../client/src/node/training";
import { runDemo, type DemoOptions } from "./lib/demo-run";
import { DEVNET_MINING } from "./lib/devnet";
import { machineThreads, type DemoReport } from "./lib/report";
import { positive } from "./lib/flags";

function printTable(report: DemoReport): void {
  const compressed = report.compressedPlaintextFinalAccuracy !== undefined;
  const threads = machineThreads(report);
  const header = [
    "round",
    compressed ? "cmp-enc %" : "acc %",
    "plain %",
    ...(compressed ? ["cmp-pl %"] : []),
    "gas",
    "HCU",
    "txs",
    "proofs/p",
    "real 1t/p",
    ...(threads ? [`real ${threads}t/p`] : []),
    "sec",
    "train",
    "encode",
    "mock encrypt",
    "submit",
    "decrypt",
  ];
  const widths = [6, 9, 8, ...(compressed ? [9] : []), 12, 13, 6, 8, 9, ...(threads ? [9] : []), 8, 7, 7, 12, 7, 8];
  console.log(header.map((h, i) => h.padStart(widths[i])).join(" "));
  for (const r of report.rounds) {
    const cells = [
      r.round,
      (r.accuracy * 100).toFixed(2),
      (r.plaintextAccuracy * 100).toFixed(2),
      ...(compressed ? [((r.compressedPlaintextAccuracy ?? NaN) * 100).toFixed(2)] : []),
      r.gasUsed,
      r.hcuUsed,
      r.txs,
      r.proofsPerParticipant,
      approxDuration(r.clientProofSeconds),
      ...(threads ? [approxDuration(r.clientProofSecondsAtThreads)] : []),
      r.seconds.toFixed(1),
      ...Object.values(r.phases).map((s) => s.toFixed(2)),
    ];
    console.log(cells.map((c, i) => String(c).padStart(widths[i])).join(" "));
  }
  console.log(
    "/p: per participant per round (gas, HCU and txs are the whole round's). proofs: input proofs, 16 words each " +
      "(Zama's protocol fee counts input verifications).",
  );
  console.log(
    `real 1t: estimated Sepolia/mainnet client encryption at 1 thread (measured per proof${threads ? "" : "; this machine's default"})` +
      (threads ? `; real ${threads}t: at ${threadsLabel(threads)}, this machine's default (estimate)` : "") +
      ". mock encrypt: the mock devnet's encryption in s (no TFHE: not a real-network figure).",
  );
  if (compressed) {
    console.log(
      `${report.encoding.kind} encoding: ${report.wordsPerParticipant} encrypted words per participant per round; ` +
        `compressed plaintext ${(report.compressedPlaintextFinalAccuracy! * 100).toFixed(2)}%`,
    );
  }
  const gap = (report.finalAccuracy - report.plaintextFinalAccuracy) * 100;
  console.log(
    `final accuracy: encrypted ${(report.finalAccuracy * 100).toFixed(2)}%, plaintext ${(report.plaintextFinalAccuracy * 100).toFixed(2)}% (${gap >= 0 ? "+" : ""}${gap.toFixed(2)} pp)`,
  );
  if (report.privacy) {
    console.log(`privacy: ${describePrivacy(report.privacy)}; the plaintext column trains without DP (the reference)`);
  }
}

const program = new Command()
  .name("demo")
  .description("end-to-end encrypted federated training on a local fhEVM devnet, with a plaintext FedAvg baseline")
  .option("--dataset <name|path>", "breast-cancer, digits, mnist, fashion-mnist or a CSV/IDX path", "breast-cancer")
  .option("--model <kind>", MODEL_KINDS.join(", "), "logreg")
  .option("--clients <n>", "participant processes", positive("--clients"), 4)
  .option("--rounds <n>", "rounds", positive("--rounds"), 3)
  .option("--partition <kind>", `${PARTITION_KINDS.join(", ")}`, "iid")
  .option("--alpha <a>", "Dirichlet concentration", positive("--alpha", false), 0.5)
  .option("--seed <n>", "seed of everything", positive("--seed"), 1)
  .option("--epochs <n>", "local epochs per round", positive("--epochs"), ROUND_TRAINING.epochs)
  .option("--batch-size <n>", "local batch size", positive("--batch-size"), ROUND_TRAINING.batchSize)
  .option("--lr <x>", "local learning rate", positive("--lr", false), ROUND_TRAINING.learningRate)
  .option(
    "--limit <n>",
    "use only the first n samples of the dataset (of its training set when its test set is fixed: MNIST, Fashion-MNIST)",
    positive("--limit"),
  )
  .option("--hidden <sizes>", "mlp/cnn hidden sizes, comma-separated")
  .option("--label-column <name>", "CSV: header of the label column")
  .option(
    "--value-bits <b>",
    `quantization bits per value (default ${TASK_DEFAULTS.valueBits}; compressed: see --compress)`,
    positive("--value-bits"),
  )
  .option(
    "--clip <C>",
    `clip bound of a delta coordinate (default ${TASK_DEFAULTS.clip}; compressed: see --compress)`,
    positive("--clip", false),
  )
  .option(
    "--min-cohort <K>",
    `minimum contributors per chunk to reveal (default ${TASK_DEFAULTS.minCohort}; 2 lets the two read each other)`,
    positive("--min-cohort"),
  )
  .option(
    "--words-per-chunk <n>",
    "override the planner's chunk size (words per transaction)",
    positive("--words-per-chunk"),
  )
  .option(
    "--compress <encoding>",
    `update encoding: none, stochastic, randk:<ratio>, hash:<ratio>, dct:<keep>, pca:<keep> (with --public-share), lowrank:<rank>[-random] (default: ${defaultEncodingsText()}; compressed: ${encodedDefaultsText()} unless given)`,
  )
  .option(
    "--initial-weights <file>",
    "start the task from this model file's weights (JSON with a weights list, e.g. a node's .flufhe/models file)",
  )
  .option(
    "--freeze <layers>",
    "partial training: the first n layers with weights keep their initial values, untrained and unsent",
    positive("--freeze"),
  )
  .option(
    "--dp-epsilon <e>",
    "differential privacy: epsilon the task may cost each participant's records (noise derived)",
    positive("--dp-epsilon", false),
  )
  .option(
    "--dp-noise <sigma>",
    "differential privacy: DP-SGD noise multiplier (epsilon reported)",
    positive("--dp-noise", false),
  )
  .option("--dp-delta <d>", `DP delta (default ${PRIVACY_DEFAULTS.delta})`, positive("--dp-delta", false))
  .option(
    "--dp-clip <C>",
    `DP-SGD per-record gradient clip (default ${PRIVACY_DEFAULTS.clipNorm})`,
    positive("--dp-clip", false),
  )
  .option(
    "--dp-sampling <q>",
    `DP-SGD Poisson sampling rate per step (default ${PRIVACY_DEFAULTS.samplingRate})`,
    positive("--dp-sampling", false),
  )
  .option("--dp-steps <n>", "DP-SGD steps per round (default: 1 / sampling)", positive("--dp-steps"))
  .option("--out <dir>", "where reports go", "results")
  .option(
    "--mining-interval-ms <ms>",
    `the devnet mines a block every ms (default ${DEVNET_MINING.intervalMs}; node memory stays bounded by the largest block)`,
    positive("--mining-interval-ms"),
  )
  .option("--automine", "one block per transaction instead (the node's memory then grows with every FHE transaction)")
  .option(
    "--encrypt-threads <n>",
    "worker threads each participant encrypts on (default: in-process: the mock devnet does no TFHE work)",
    positive("--encrypt-threads"),
  )
  .option("--permute-pixels", "permute every image's pixels by one fixed public permutation (no spatial structure)")
  .option(
    "--public-share <fraction>",
    "set this share of the training set aside before partitioning, no participant's: the public sample pca takes its " +
      "basis from (pca is then the default for logreg and mlp)",
    positive("--public-share", false),
  )
  .option("--json", "print one JSON object as the last stdout line")
  .action(async (o: DemoOptions) => {
    if (!MODEL_KINDS.includes(o.model))
      throw new InvalidArgumentError(`--model must be one of ${MODEL_KINDS.join(", ")}`);
    if (!PARTITION_KINDS.includes(o.partition))
      throw new InvalidArgumentError(`--partition must be one of ${PARTITION_KINDS.join(", ")}`);
    // Load tfjs first (its wasm runtime installs an exception handler), then keep dropped node
    // connections from killing the run: the requests they belong to are retried.
    await initBackend(undefined, () => {});
    guardAgainstDroppedConnections((m) => process.stderr.write(`[demo] ${m}\n`), explainError);
    const { report, nodeMemory } = await runDemo(o);
    printTable(report);
    console.log(`devnet node (${nodeMemory.mining}): peak RSS ${nodeMemory.peakRssMb} MB`);
    if (o.json) {
      const { dataset, model, clients, finalAccuracy, plaintextFinalAccuracy, encoding, wordsPerParticipant } = report;
      const rounds = report.rounds.map((r) => ({
        round: r.round,
        accuracy: r.accuracy,
        plaintextAccuracy: r.plaintextAccuracy,
        compressedPlaintextAccuracy: r.compressedPlaintextAccuracy,
        gasUsed: r.gasUsed,
        hcuUsed: r.hcuUsed,
        txs: r.txs,
        proofsPerParticipant: r.proofsPerParticipant,
        clientProofSeconds: r.clientProofSeconds,
        clientThreads: r.clientThreads,
        clientProofSecondsAtThreads: r.clientProofSecondsAtThreads,
        mockEncryptSeconds: r.phases.mockEncrypt,
        seconds: r.seconds,
      }));
      const node = {
        mining: nodeMemory.mining,
        peakRssMb: nodeMemory.peakRssMb,
        rssAfterRoundMb: nodeMemory.rssAfterRoundMb,
      };
      const compressedPlaintextFinalAccuracy = report.compressedPlaintextFinalAccuracy;
      console.log(
        JSON.stringify({
          dataset,
          model,
          clients,
          rounds,
          finalAccuracy,
          plaintextFinalAccuracy,
          compressedPlaintextFinalAccuracy,
          encoding,
          privacy: report.privacy,
          wordsPerParticipant,
          node,
        }),
      );
    }
  });

program.parseAsync().catch((error: unknown) => {
  console.error(`demo failed: ${explainError(error)}`);
  process.exit(1);
});
