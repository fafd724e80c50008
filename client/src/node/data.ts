import type { Dataset, DatasetSplit } from "../ml/dataset";
import { subset } from "../ml/dataset";
import {
  ByLabelPartitioner,
  DirichletPartitioner,
  IidPartitioner,
  ShardPartitioner,
  formatLabelHistogram,
  type Partitioner,
} from "../ml/partition";
import { permuteSplit } from "../ml/permute";
import { loadDataset, type LoadOptions } from "../ml/registry";
import { mulberry32, permutation } from "../ml/rng";

export const PARTITION_KINDS = ["iid", "dirichlet", "shards", "label"] as const;
export type PartitionKind = (typeof PARTITION_KINDS)[number];

/** How a simulated participant finds its private share of a dataset. */
export interface DataSpec {
  /** A dataset name (breast-cancer, digits, mnist, fashion-mnist) or a CSV / IDX path. */
  data: string;
  /** Participant i of `clients` (0-based); omit to use the whole training set (a real participant's own data). */
  clientIndex?: number;
  clients?: number;
  partition?: PartitionKind;
  alpha?: number;
  shardsPerClient?: number;
  seed: number;
  load?: LoadOptions;
  /** Permute the pixels of every image by the fixed public permutation (ml/permute.ts): images without spatial structure. */
  permutePixels?: boolean;
  /** A seeded share of the training set set aside as public data before partitioning (no participant's). */
  publicShare?: number;
}

/** The dataset's train/test split, its pixels permuted when the spec asks. */
function loadSplit(spec: DataSpec): DatasetSplit {
  const split = loadDataset(spec.data, { seed: spec.seed, ...spec.load });
  return spec.permutePixels ? permuteSplit(split) : split;
}

export function makePartitioner(kind: PartitionKind, seed: number, alpha = 0.5, shardsPerClient = 2): Partitioner {
  switch (kind) {
    case "iid":
      return new IidPartitioner(seed);
    case "dirichlet":
      return new DirichletPartitioner(alpha, seed);
    case "shards":
      return new ShardPartitioner(shardsPerClient, seed);
    case "label":
      return new ByLabelPartitioner(seed);
  }
}

/** A whole simulated federation's data: every client's partition, optionally after a public share. */
type FederationSpec = Omit<DataSpec, "clientIndex"> & { clients: number };

/** The loaded split, the training set left after any public share, every client's sample indices and their labels' histogram. */
interface Partitioned {
  split: DatasetSplit;
  train: Dataset;
  indices: Int32Array[];
  histogram: string;
  publicData?: Dataset;
}

/** Loads and partitions without copying any partition out (callers subset what they keep). */
function partitioned(spec: FederationSpec): Partitioned {
  const split = loadSplit(spec);
  const { train, publicData } = setAside(split.train, spec.publicShare, spec.seed);
  const partitioner = makePartitioner(spec.partition ?? "iid", spec.seed, spec.alpha, spec.shardsPerClient);
  const indices = partitioner.partition(train.y, spec.clients);
  return { split, train, indices, histogram: formatLabelHistogram(train.y, indices, train.numClasses), publicData };
}

/**
 * Loads the data once and splits its training set into `clients` seeded partitions. With `publicShare`
 * f, a seeded random f of the training set is first set aside as public data (for a body pretrained
 * in the open, scripts/lib/pretrain.ts) and only the rest is partitioned: the two never share a sample.
 */
export function loadPartitions(spec: FederationSpec): {
  parts: Dataset[];
  test: Dataset;
  histogram: string;
  public?: Dataset;
} {
  const { split, train, indices, histogram, publicData } = partitioned(spec);
  return {
    parts: indices.map((ix) => subset(train, ix)),
    test: split.test,
    histogram,
    ...(publicData && { public: publicData }),
  };
}

/** Splits a seeded random `share` of `train` off as public data (nothing when share is undefined). */
function setAside(train: Dataset, share: number | undefined, seed: number): { train: Dataset; publicData?: Dataset } {
  if (share === undefined) return { train };
  if (!(share > 0 && share < 1)) throw new Error(`the public share must be a fraction in (0, 1), got ${share}`);
  const order = permutation(train.y.length, mulberry32(seed ^ PUBLIC_SHARE_SALT));
  const cut = Math.round(share * order.length);
  if (cut < 1 || cut >= order.length) {
    throw new Error(`a public share of ${share} leaves no ${cut < 1 ? "public" : "private"} sample of ${order.length}`);
  }
  return { publicData: subset(train, order.subarray(0, cut)), train: subset(train, order.subarray(cut)) };
}

/** Keeps the public share's draw apart from the partitioner's, which uses the same seed. */
const PUBLIC_SHARE_SALT = 0x5eed_9b1c;

/** Loads the data, and the participant's partition of the training set when it is one of several. */
export function loadParticipantData(spec: DataSpec): { train: Dataset; test: Dataset; histogram?: string } {
  if (spec.clientIndex === undefined) return loadSplit(spec);
  const clients = spec.clients ?? 1;
  if (!Number.isInteger(spec.clientIndex) || spec.clientIndex < 0 || spec.clientIndex >= clients) {
    throw new Error(`client index ${spec.clientIndex} is out of range for ${clients} clients`);
  }
  // Only this participant's partition is copied out: a simulated node never holds the others' (MNIST: 165 MB less).
  const { split, train, indices, histogram } = partitioned({ ...spec, clients });
  return { train: subset(train, indices[spec.clientIndex]), test: split.test, histogram };
}
