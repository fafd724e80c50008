/**
 * `npm run bench:privacy -- --json`: what record-level differential privacy costs in accuracy. In one
 * process, on the same partitions and seeds: plaintext FedAvg without DP (the reference), then the task's
 * production codec (encode -> integer lane sums -> decode, as bench:learning does) without DP and with
 * DP-SGD at each target epsilon. Each DP config's noise is what the accountant (client/src/privacy/rdp.ts)
 * needs for that epsilon over all local steps of all rounds; the task is planned from the spec exactly as
 * `fl:create-task --dp-epsilon` plans it. The DP runs draw sampling and noise from seeded streams so that
 * configs compare on the same draws (the nodes use the platform's secure generator). Last stdout line:
 * {"configs": [{"epsilon", "delta", "noiseMultiplier", "samplingRate", "steps", "clipNorm", "accuracy",
 * "gapPp", "wordsPerParticipant", "trainSecondsPerRound"}], "reference": {"accuracy"}}.
 */
import { Command, InvalidArgumentError } from "commander";
import { parseCompressFlag } from "../client/src/codec/encoding";
import { initBackend } from "../client/src/ml/backend";
import { loadPartitions } from "../client/src/node/data";
import { taskEncoding } from "../client/src/node/encoding";
import { planTask } from "../client/src/node/planTask";
import { specFromChoices, type SpecChoices } from "../client/src/protocol/modelSpec";
import type { Dataset } from "../client/src/ml/dataset";
import { privacyFromChoices, type PrivacyTerms } from "../client/src/protocol/privacy";
import { encodedFedAvg, plaintextFedAvg, type Federation } from "./lib/encoded-fedavg";
import { numberFlag, positive } from "./lib/flags";

interface Options {
  dataset: string;
  hidden: string;
  clients: number;
  alpha: number;
  rounds: number;
  batchSize: number;
  lr: number;
  seed: number;
  limit?: number;
  epsilons: string;
  delta: number;
  clip: number;
  sampling?: number;
  dpBatch?: number;
  dpLr?: number;
  compress?: string;
  json?: boolean;
}

const log = (message: string) => process.stderr.write(`[bench:privacy] ${message}\n`);
const TASK_ID = 1n;

/** "1,3,8" -> [1, 3, 8]. */
function parseEpsilons(text: string): number[] {
  const values = text.split(",").map((t) => Number(t.trim()));
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || v <= 0)) {
    throw new InvalidArgumentError(`--epsilons must be positive numbers separated by commas, got "${text}"`);
  }
  return values;
}

/**
 * The sampling rate of a DP config: --sampling, else the expected batch (--dp-batch, default the
 * non-private batch size) over the mean participant's records: one rule for any data.
 */
function samplingRate(o: Options, parts: { y: Int32Array }[]): number {
  if (o.sampling !== undefined) return o.sampling;
  const mean = parts.reduce((n, p) => n + p.y.length, 0) / parts.length;
  return Number(Math.min(1, (o.dpBatch ?? o.batchSize) / mean).toPrecision(3));
}

/** The benchmark's MLP for the data, with a row's encoding and privacy terms. */
function mlpSpec(o: Options, data: Dataset, extra: Pick<SpecChoices, "encoding" | "privacy"> = {}) {
  return specFromChoices({
    kind: "mlp",
    inputShape: data.featureShape,
    numClasses: data.numClasses,
    seed: o.seed,
    hidden: o.hidden,
    ...extra,
  });
}

/** One row: the task planned for the config's spec, run through the production codec. */
function runConfig(o: Options, federation: Federation, privacy: PrivacyTerms | undefined, referenceAccuracy: number) {
  const parts = federation.parts;
  const spec = mlpSpec(o, parts[0], {
    encoding: o.compress ? parseCompressFlag(o.compress) : undefined,
    privacy,
  });
  // Every row unweighted (sample cap 0), as a DP task must be: the rows differ only in DP.
  const plan = planTask(spec, { maxCohort: o.clients, rounds: o.rounds, sampleCap: 0 });
  const encoding = taskEncoding(spec, plan.paramCount);
  const run = { ...federation, privacy, trainSeconds: 0, lr: privacy ? (o.dpLr ?? o.lr) : o.lr };
  const label = privacy ? `DP epsilon ${privacy.epsilon}` : "no DP";
  const result = encodedFedAvg(run, { spec, layout: plan.plan.layout, encoding, taskId: TASK_ID }, { label });
  const accuracy = result.accuracies.at(-1)!;
  return {
    epsilon: privacy?.epsilon ?? null,
    delta: privacy?.delta ?? null,
    noiseMultiplier: privacy?.noiseMultiplier ?? null,
    samplingRate: privacy?.samplingRate ?? null,
    steps: privacy ? privacy.stepsPerRound * o.rounds : null,
    clipNorm: privacy?.clipNorm ?? null,
    accuracy,
    gapPp: (referenceAccuracy - accuracy) * 100,
    wordsPerParticipant: plan.plan.layout.wordCount,
    trainSecondsPerRound: run.trainSeconds / o.rounds / parts.length,
    // Noise widens the deltas: how many coordinates the codec's clip cuts (its lanes and words do not change).
    clippedFraction: result.clippedFraction,
    codecClip: plan.plan.layout.clip,
    accuracies: result.accuracies,
  };
}

type Row = ReturnType<typeof runConfig>;

function printTable(reference: number, rows: Row[]): void {
  const pct = (x: number) => (x * 100).toFixed(2);
  console.log(`reference (plaintext FedAvg, no DP): ${pct(reference)}%`);
  console.log("epsilon  noise   q        steps  accuracy  gap pp  words  clipped %  train s/round/participant");
  for (const r of rows) {
    console.log(
      [
        String(r.epsilon ?? "none").padEnd(8),
        String(r.noiseMultiplier ?? "-").padEnd(7),
        String(r.samplingRate ?? "-").padEnd(8),
        String(r.steps ?? "-").padEnd(6),
        `${pct(r.accuracy)}%`.padEnd(9),
        r.gapPp.toFixed(2).padEnd(7),
        String(r.wordsPerParticipant).padEnd(6),
        (r.clippedFraction === null ? "-" : (r.clippedFraction * 100).toFixed(3)).padEnd(10),
        r.trainSecondsPerRound.toFixed(2),
      ].join(" "),
    );
  }
}

async function main(o: Options): Promise<void> {
  const epsilons = parseEpsilons(o.epsilons);
  await initBackend(undefined, log);
  const { parts, test } = loadPartitions({
    data: o.dataset,
    clients: o.clients,
    partition: "dirichlet",
    alpha: o.alpha,
    seed: o.seed,
    load: { limit: o.limit },
  });
  const federation: Federation = {
    parts,
    test,
    rounds: o.rounds,
    epochs: 1,
    batchSize: o.batchSize,
    lr: o.lr,
    seed: o.seed,
    log,
  };
  const q = samplingRate(o, parts);
  const stepsPerRound = Math.max(1, Math.round(1 / q));
  log(`mlp [${o.hidden}] on ${o.dataset}: ${o.clients} participants (Dirichlet ${o.alpha}), ${o.rounds} rounds`);
  log(
    `DP-SGD: sampling ${q}, ${stepsPerRound} steps per round, clip ${o.clip}, delta ${o.delta}, lr ${o.dpLr ?? o.lr}`,
  );
  const reference = plaintextFedAvg(federation, mlpSpec(o, parts[0]), "reference").accuracies.at(-1)!;
  const rows: Row[] = [runConfig(o, federation, undefined, reference)];
  for (const epsilon of epsilons) {
    const terms = privacyFromChoices(
      { epsilon, delta: o.delta, clipNorm: o.clip, samplingRate: q, stepsPerRound },
      o.rounds,
    );
    log(`epsilon ${epsilon}: noise multiplier ${terms.noiseMultiplier} (epsilon ${terms.epsilon} as promised)`);
    rows.push(runConfig(o, federation, terms, reference));
  }
  // The non-private codec row last, as the table lists epsilon 1, 3, 8, none.
  const ordered = [...rows.slice(1), rows[0]];
  printTable(reference, ordered);
  if (o.json) {
    const configs = ordered.map(({ accuracies: _, ...row }) => row);
    console.log(JSON.stringify({ configs, reference: { accuracy: reference } }));
  }
}

new Command()
  .name("bench:privacy")
  .description(
    "accuracy of DP-SGD tasks at several epsilons next to the non-private reference, same partitions and seeds",
  )
  .option("--dataset <name|path>", "dataset", "mnist")
  .option("--hidden <sizes>", "mlp hidden sizes", "32")
  .option("--clients <n>", "participants", positive("--clients"), 8)
  .option("--alpha <a>", "Dirichlet concentration", positive("--alpha", false), 0.5)
  .option("--rounds <n>", "rounds", positive("--rounds"), 10)
  .option("--batch-size <n>", "non-private local batch size (and the DP expected batch)", positive("--batch-size"), 32)
  .option("--lr <x>", "local learning rate (DP and non-private)", positive("--lr", false), 0.1)
  .option("--seed <n>", "seed of the partition, model, training and the DP draws", positive("--seed"), 1)
  .option(
    "--limit <n>",
    "use only the first n samples of the dataset (of its training set when its test set is fixed: MNIST, Fashion-MNIST)",
    positive("--limit"),
  )
  .option("--epsilons <list>", "target epsilons over the whole task, per participant", "1,3,8")
  .option("--delta <d>", "delta", numberFlag("--delta", { above: 0, max: 0.5 }), 1e-5)
  .option("--clip <C>", "DP-SGD per-record gradient clip", positive("--clip", false), 1)
  .option(
    "--sampling <q>",
    "DP-SGD sampling rate (default: batch size / mean participant size)",
    numberFlag("--sampling", { above: 0, max: 1 }),
  )
  .option(
    "--dp-batch <n>",
    "DP-SGD expected batch, sets the sampling rate (default: --batch-size)",
    positive("--dp-batch"),
  )
  .option("--dp-lr <x>", "DP-SGD learning rate (default: --lr)", positive("--dp-lr", false))
  .option("--compress <encoding>", "the tasks' update encoding, as fl:create-task takes it (default: today's codec)")
  .option("--json", "print one JSON object as the last stdout line")
  .action(main)
  .parseAsync()
  .catch((error: unknown) => {
    process.stderr.write(`bench:privacy: ${(error as Error).message}\n`);
    process.exit(1);
  });
