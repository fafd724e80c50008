/**
 * A pretrained body for fine-tuning experiments: the workload's model trained centrally on public
 * data, as an owner would publish it for a task that freezes its first layers. The public data is
 * another dataset's training split (`--pretrain fashion-mnist`), or a share of the workload's own
 * training split set aside before partitioning (`--pretrain public:0.5`): a same-domain body whose
 * samples no participant holds.
 */
import type { Dataset } from "../../client/src/ml/dataset";
import { loadDataset } from "../../client/src/ml/registry";
import { buildModel, getFlatWeights } from "../../client/src/ml/models";
import { evaluate, trainLocal } from "../../client/src/ml/train";
import type { ModelSpec } from "../../client/src/protocol/modelSpec";

export interface PretrainOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
}

/** Where the body's data comes from: another dataset by name or path, or a share of the workload's own. */
export type PretrainSource = { dataset: string } | { publicShare: number };

const PUBLIC = /^public:(.*)$/;

/** "fashion-mnist" or "public:<share>" (a fraction in (0, 1)) as --pretrain takes it. */
export function parsePretrainSource(text: string): PretrainSource {
  const match = PUBLIC.exec(text.trim());
  if (!match) return { dataset: text.trim() };
  const share = Number(match[1]);
  if (!(share > 0 && share < 1)) {
    throw new Error(`--pretrain ${text}: the public share must be a fraction in (0, 1), e.g. public:0.5`);
  }
  return { publicShare: share };
}

/** The public training data: the named dataset's training split, or the share the workload set aside. */
export function publicTrainingData(source: PretrainSource, setAside: Dataset | undefined, seed: number): Dataset {
  if ("dataset" in source) return loadDataset(source.dataset, { seed }).train;
  if (!setAside) throw new Error("the workload set no public share aside: load it with publicShare");
  return setAside;
}

/** `spec`'s model after `o.epochs` of centralised training on `train` (its accuracy on the workload's `test` logged). */
export function pretrainedWeights(
  spec: ModelSpec,
  train: Dataset,
  test: Dataset,
  o: PretrainOptions,
  log?: (m: string) => void,
): Float32Array {
  if (train.featureShape.join("x") !== spec.inputShape.join("x") || train.numClasses !== spec.numClasses) {
    throw new Error(
      `the pretraining data has ${train.featureShape.join("x")} samples in ${train.numClasses} classes, ` +
        `the workload's model takes ${spec.inputShape.join("x")} in ${spec.numClasses}: pretrain on a dataset of the same shape`,
    );
  }
  const model = buildModel(spec);
  try {
    trainLocal(model, train, { epochs: o.epochs, batchSize: o.batchSize, learningRate: o.lr, seed: o.seed });
    log?.(
      `pretrained on ${train.y.length} public samples (${o.epochs} epoch(s)): ` +
        `${(evaluate(model, test).accuracy * 100).toFixed(2)}% on the workload's test set`,
    );
    return getFlatWeights(model);
  } finally {
    model.dispose();
  }
}
