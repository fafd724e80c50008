/**
 * FedAvg simulated in one process, plaintext or through a task's update encoding: every participant
 * trains on its partition with the seeds the participant nodes use, then its delta goes through the
 * production encoder, the words are added lane-wise in plaintext (exactly what the contract's masked
 * euint128 additions compute: lanes never carry) and the production decoder gives the next global
 * model. Used by `npm run bench:learning` and by the demo's compressed-plaintext column.
 */
import type { Command } from "commander";
import { compresses, type UpdateEncoding } from "../../client/src/codec/encoding";
import type { Layout } from "../../client/src/codec/layout";
import { modelChange, seededStream, type RoundContext, type Rng } from "../../client/src/codec/sharedSeed";
import type { Dataset } from "../../client/src/ml/dataset";
import { loadPartitions, PARTITION_KINDS, type PartitionKind } from "../../client/src/node/data";
import { computeDelta, fedAvg } from "../../client/src/ml/fedavg";
import { buildModel, getFlatWeights, setFlatWeights } from "../../client/src/ml/models";
import { evaluate, trainLocal } from "../../client/src/ml/train";
import { applyDelta } from "../../client/src/node/model";
import { roundTrainingOptions } from "../../client/src/node/roundUpdate";
import { participantSeed } from "../../client/src/node/training";
import type { PrivacyTerms } from "../../client/src/protocol/privacy";
import {
  MODEL_KINDS,
  modelCommitment,
  specFromChoices,
  type ModelKind,
  type ModelSpec,
} from "../../client/src/protocol/modelSpec";
import { positive } from "./flags";

export interface Federation {
  parts: Dataset[];
  test: Dataset;
  rounds: number;
  epochs: number;
  batchSize: number;
  lr: number;
  /** Participant i trains round r with localTrainingSeed(participantSeed(seed, i), r), as the demo's nodes do. */
  seed: number;
  /**
   * A DP task's terms: every participant trains with DP-SGD instead (its sampling and noise seeded from
   * the participant's training seed, so configs compare on the same draws; the nodes use the secure generator).
   */
  privacy?: PrivacyTerms;
  /** The model every run starts from (a pretrained body, scripts/lib/pretrain.ts); default: the spec's seeded weights. */
  initialWeights?: Float32Array;
  log?: (message: string) => void;
  /** Wall-clock seconds spent in local training so far (all participants, all rounds). */
  trainSeconds?: number;
}

/** A simulated federation's data, model and training, as the benches' flags give them. */
export interface Workload {
  dataset: string;
  model: ModelKind;
  /** mlp/cnn hidden sizes, comma-separated (ignored for logreg and lenet). */
  hidden: string;
  clients: number;
  partition: PartitionKind;
  alpha: number;
  seed: number;
  limit?: number;
  permutePixels?: boolean;
  /** A share of the training split set aside as public data before partitioning (client/src/node/data.ts). */
  publicShare?: number;
  rounds: number;
  epochs: number;
  batchSize: number;
  lr: number;
}

/** Adds a Workload's flags (the benches share them) to a command. */
export function workloadOptions(command: Command): Command {
  return command
    .option("--dataset <name|path>", "dataset", "mnist")
    .option("--model <kind>", MODEL_KINDS.join(", "), "mlp")
    .option("--hidden <sizes>", "mlp/cnn hidden sizes, comma-separated", "32")
    .option("--clients <n>", "participants", positive("--clients"), 8)
    .option("--partition <kind>", PARTITION_KINDS.join(", "), "dirichlet")
    .option("--alpha <a>", "Dirichlet concentration", positive("--alpha", false), 0.5)
    .option("--rounds <n>", "rounds", positive("--rounds"), 10)
    .option("--epochs <n>", "local epochs per round", positive("--epochs"), 1)
    .option("--batch-size <n>", "local batch size", positive("--batch-size"), 32)
    .option("--lr <x>", "local learning rate", positive("--lr", false), 0.1)
    .option("--seed <n>", "seed of the split, partition, model and training", positive("--seed"), 1)
    .option(
      "--limit <n>",
      "use only the first n samples of the dataset (of its training set when its test set is fixed: MNIST, Fashion-MNIST)",
      positive("--limit"),
    )
    .option("--permute-pixels", "permute every image's pixels by one fixed public permutation (no spatial structure)");
}

/** The partitions, test set and training of a workload, and its base model spec (no encoding). */
export function simulatedFederation(
  w: Workload,
  log?: (message: string) => void,
): { federation: Federation; spec: ModelSpec; publicData?: Dataset } {
  const {
    parts,
    test,
    public: publicData,
  } = loadPartitions({
    data: w.dataset,
    clients: w.clients,
    partition: w.partition,
    alpha: w.alpha,
    seed: w.seed,
    load: { limit: w.limit },
    permutePixels: w.permutePixels,
    publicShare: w.publicShare,
  });
  const spec = specFromChoices({
    kind: w.model,
    inputShape: parts[0].featureShape,
    numClasses: parts[0].numClasses,
    seed: w.seed,
    hidden: w.model === "logreg" || w.model === "lenet" ? undefined : w.hidden,
  });
  const { rounds, epochs, batchSize, lr, seed } = w;
  return { federation: { parts, test, rounds, epochs, batchSize, lr, seed, log }, spec, publicData };
}

type Model = ReturnType<typeof buildModel>;

/** Every participant's delta from `global` after its local training of `round`. */
export function trainRound(f: Federation, model: Model, global: Float32Array, round: number): Float32Array[] {
  return f.parts.map((train, i) => {
    setFlatWeights(model, global);
    const settings = { epochs: f.epochs, batchSize: f.batchSize, learningRate: f.lr, seed: participantSeed(f.seed, i) };
    const options = roundTrainingOptions(settings, round, f.privacy);
    if (options.privacy) options.privacy.insecureSeed = options.seed;
    const started = performance.now();
    trainLocal(model, train, options);
    f.trainSeconds = (f.trainSeconds ?? 0) + (performance.now() - started) / 1000;
    return computeDelta(getFlatWeights(model), global);
  });
}

export interface FedAvgRun {
  /** Test accuracy after each round. */
  accuracies: number[];
  weights: Float32Array;
}

/** The federation's initial weights, or the model's own (its spec's seeded initialisation). */
function startingWeights(f: Federation, model: Model): Float32Array {
  if (!f.initialWeights) return getFlatWeights(model);
  setFlatWeights(model, f.initialWeights);
  return Float32Array.from(f.initialWeights);
}

/** Plaintext FedAvg weighted by sample counts: the reference. */
export function plaintextFedAvg(f: Federation, spec: ModelSpec, label = "plaintext"): FedAvgRun {
  const model = buildModel(spec);
  let global = startingWeights(f, model);
  const accuracies: number[] = [];
  for (let round = 1; round <= f.rounds; round++) {
    const deltas = trainRound(f, model, global, round);
    global = fedAvg(
      global,
      deltas.map((delta, i) => ({ delta, numSamples: f.parts[i].y.length })),
      { weighted: true },
    );
    setFlatWeights(model, global);
    accuracies.push(evaluate(model, f.test).accuracy);
    f.log?.(`  ${label} round ${round}: ${(accuracies.at(-1)! * 100).toFixed(2)}%`);
  }
  model.dispose();
  return { accuracies, weights: global };
}

/** The lane-wise sum the contract computes: each word masked to b bits per lane (a no-op for honest words), then added. */
export function laneSums(updates: bigint[][][], layout: Layout): bigint[] {
  const flat = updates.map((chunks) => chunks.flat());
  return flat[0].map((_, w) =>
    flat.reduce((sum, words) => {
      if ((words[w] & layout.laneMask) !== words[w]) throw new Error(`word ${w} has bits outside the lane mask`);
      return sum + words[w];
    }, 0n),
  );
}

export interface EncodedRun extends FedAvgRun {
  /**
   * Fraction of all participants' delta coordinates, over all rounds, at or beyond the codec's clip bound;
   * null for a compressing encoding, which clips its transformed coordinates instead.
   */
  clippedFraction: number | null;
  /** Round 1: every participant's chunks, the simulated aggregate words and its decoded average delta. */
  round1: { chunks: bigint[][][]; words: bigint[]; delta: Float64Array };
}

/**
 * FedAvg through a task's encoding: `spec` is the task's spec (with its encoding), `layout` its lanes.
 * The round context is what the chain would hold for task `taskId` (globalModelHash = the commitment of
 * the round's starting model); each participant keeps its feedback residual across rounds. `dither`
 * gives participant i's rounding randomness (default: reproducible streams from the run's seed).
 */
export function encodedFedAvg(
  f: Federation,
  task: { spec: ModelSpec; layout: Layout; encoding: UpdateEncoding; taskId: bigint },
  options: { label?: string; dither?: (ctx: RoundContext, participant: number) => Rng } = {},
): EncodedRun {
  const { spec, layout, encoding, taskId } = task;
  const dither =
    options.dither ??
    ((ctx: RoundContext, i: number) => seededStream(ctx.globalModelHash, `simulation-dither-${f.seed}-${i}`));
  const model = buildModel(spec);
  let global = startingWeights(f, model);
  let previous: Float32Array | undefined;
  const feedback: (Float32Array | undefined)[] = f.parts.map(() => undefined);
  const accuracies: number[] = [];
  let round1: EncodedRun["round1"] | undefined;
  let clipped = 0;
  let coordinates = 0;
  for (let round = 1; round <= f.rounds; round++) {
    const deltas = trainRound(f, model, global, round);
    for (const d of deltas) {
      coordinates += d.length;
      for (const v of d) if (Math.abs(v) >= layout.clip) clipped++;
    }
    const ctx: RoundContext = {
      taskId,
      round,
      globalModelHash: modelCommitment(spec, global),
      modelChange: previous && encoding.tracksModelChange ? modelChange(previous, global) : undefined,
      model: global,
    };
    const chunks = deltas.map((delta, i) => {
      const out = encoding.encode({
        delta,
        layout,
        ctx,
        samples: f.parts[i].y.length,
        feedback: feedback[i],
        dither: dither(ctx, i),
      });
      feedback[i] = out.feedback;
      return out.chunks;
    });
    const words = laneSums(chunks, layout);
    const delta = encoding.decode(words, new Array<number>(layout.chunkCount).fill(chunks.length), layout, ctx);
    if (round === 1) round1 = { chunks, words, delta };
    previous = global;
    global = applyDelta(global, delta);
    setFlatWeights(model, global);
    accuracies.push(evaluate(model, f.test).accuracy);
    f.log?.(`  ${options.label ?? encoding.name} round ${round}: ${(accuracies.at(-1)! * 100).toFixed(2)}%`);
  }
  model.dispose();
  const clippedFraction = compresses(encoding.name) ? null : clipped / coordinates;
  return { accuracies, weights: global, round1: round1!, clippedFraction };
}
