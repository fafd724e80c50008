/**
 * A pretrained body for fine-tuning experiments: the workload's model trained centrally on a public
 * dataset's training split, as an owner would publish it for a task that freezes its first layers.
 */
import { loadDataset } from "../../client/src/ml/registry";
import { buildModel, getFlatWeights } from "../../client/src/ml/models";
import { evaluate, trainLocal } from "../../client/src/ml/train";
import type { ModelSpec } from "../../client/src/protocol/modelSpec";

export interface PretrainOptions {
  /** A dataset name or path with the workload's sample shape and classes. */
  dataset: string;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
}

/** `spec`'s model after `o.epochs` of centralised training on `o.dataset` (its own test accuracy logged). */
export function pretrainedWeights(spec: ModelSpec, o: PretrainOptions, log?: (m: string) => void): Float32Array {
  const { train, test } = loadDataset(o.dataset, { seed: o.seed });
  if (train.featureShape.join("x") !== spec.inputShape.join("x") || train.numClasses !== spec.numClasses) {
    throw new Error(
      `--pretrain ${o.dataset} has ${train.featureShape.join("x")} samples in ${train.numClasses} classes, ` +
        `the workload's model takes ${spec.inputShape.join("x")} in ${spec.numClasses}: pretrain on a dataset of the same shape`,
    );
  }
  const model = buildModel(spec);
  try {
    trainLocal(model, train, { epochs: o.epochs, batchSize: o.batchSize, learningRate: o.lr, seed: o.seed });
    log?.(
      `pretrained on ${o.dataset} (${o.epochs} epoch(s)): ${(evaluate(model, test).accuracy * 100).toFixed(2)}% on its test split`,
    );
    return getFlatWeights(model);
  } finally {
    model.dispose();
  }
}
