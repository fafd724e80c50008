/**
 * `npx ts-node --transpile-only scripts/bench-dp-train.ts [--json] [--clients 8] [--seed 1]`: what DP-SGD
 * (client/src/ml/dpTrain.ts) costs a participant over plain SGD. On one participant's IID share of
 * MNIST (60,000 / clients, 7,500 by default), the MNIST mlp (hidden 32) trains one epoch of plain
 * mini-batch SGD (batch 32), then the same number of expected examples with DP-SGD (sampling rate
 * 32 / n, n / 32 steps, clip 1, noise 1, the secure generator) and once more without noise (clipping
 * and per-example norms only), all on the same backend (initBackend). Each run starts from the same
 * initial weights after a short warm-up. With --json the last stdout line is one JSON object:
 * {"backend", "samples", "plainSeconds", "dpSeconds", "dpNoNoiseSeconds", "ratio", "plainAccuracy", "dpAccuracy"}.
 */
import { parseArgs } from "node:util";
import { initBackend } from "../client/src/ml/backend";
import type { Dataset } from "../client/src/ml/dataset";
import { buildModel } from "../client/src/ml/models";
import { evaluate, trainLocal, type TrainOptions } from "../client/src/ml/train";
import { loadPartitions } from "../client/src/node/data";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    clients: { type: "string", default: "8" },
    seed: { type: "string", default: "1" },
  },
});

const log = (message: string) => process.stderr.write(`[bench:dp-train] ${message}\n`);
const BATCH = 32;

/** Seconds to train a fresh mlp with `options`, and its test accuracy. */
function timed(
  train: Dataset,
  test: Dataset,
  options: TrainOptions,
  seed: number,
): { seconds: number; accuracy: number } {
  const model = buildModel({ kind: "mlp", inputShape: train.featureShape, numClasses: 10, hidden: [32], seed });
  const t0 = performance.now();
  trainLocal(model, train, options);
  const seconds = (performance.now() - t0) / 1000;
  const accuracy = evaluate(model, test).accuracy;
  model.dispose();
  return { seconds, accuracy };
}

async function main(): Promise<void> {
  const clients = Number(args.clients);
  const seed = Number(args.seed);
  const backend = await initBackend(undefined, log);
  const { parts, test } = loadPartitions({ data: "mnist", clients, seed, partition: "iid" });
  const train = parts[0];
  const n = train.y.length;
  const plain: TrainOptions = { epochs: 1, batchSize: BATCH, learningRate: 0.1, seed };
  const privacy = { clipNorm: 1, noiseMultiplier: 1, samplingRate: BATCH / n, steps: Math.round(n / BATCH) };
  const dp: TrainOptions = { ...plain, learningRate: 0.5, privacy };
  // Warm-up: kernels and the wasm module's first allocations are not part of either cost.
  const small = { ...train, x: train.x.subarray(0, 256 * train.numFeatures), y: train.y.subarray(0, 256) };
  timed(small, test, plain, seed);
  timed(small, test, { ...dp, privacy: { ...privacy, steps: 4 } }, seed);
  log(`backend ${backend}, ${n} samples, ${privacy.steps} DP-SGD steps at q = ${privacy.samplingRate.toFixed(5)}`);
  const p = timed(train, test, plain, seed);
  log(`plain SGD: ${p.seconds.toFixed(2)} s, test accuracy ${p.accuracy.toFixed(4)}`);
  const d = timed(train, test, dp, seed);
  log(`DP-SGD: ${d.seconds.toFixed(2)} s, test accuracy ${d.accuracy.toFixed(4)}`);
  const c = timed(train, test, { ...dp, privacy: { ...privacy, noiseMultiplier: 0 } }, seed);
  log(`DP-SGD without noise: ${c.seconds.toFixed(2)} s`);
  const result = {
    backend,
    samples: n,
    plainSeconds: p.seconds,
    dpSeconds: d.seconds,
    dpNoNoiseSeconds: c.seconds,
    ratio: d.seconds / p.seconds,
    plainAccuracy: p.accuracy,
    dpAccuracy: d.accuracy,
  };
  if (args.json) console.log(JSON.stringify(result));
  else log(`DP-SGD / plain SGD: ${result.ratio.toFixed(2)}x`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
