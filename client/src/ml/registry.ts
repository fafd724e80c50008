// One entry point from a name or a path to a train/test split, so scripts and the CLI accept
// "breast-cancer" and "./my-data.csv" alike.

import { existsSync } from "node:fs";
import { csvLines, loadCsvDataset } from "./csv";
import type { Dataset, DatasetSplit } from "./dataset";
import { loadFashionMnist, loadIdxPair, loadMnist, type ImageSetOptions } from "./images";
import { readDataFile } from "./files";
import { dataFileKind } from "./idx";
import { loadBreastCancer, loadDigits } from "./sklearn";
import { parseSklearnCsv, sklearnHeader } from "./sklearnCsv";
import { splitLoaded, type SplitOptions } from "./split";

export interface LoadOptions extends ImageSetOptions, SplitOptions {
  /** CSV: header name of the label column (required for CSV files). */
  labelColumn?: string;
  /** CSV: allowed label values, class index = position in the list. */
  allowedLabels?: number[];
  /** CSV: class names in class-index order (a task's spec carries them, so every participant agrees). */
  classNames?: string[];
  /** IDX: the labels file; by default the images path with "images"->"labels" and "idx3"->"idx1". */
  labelsPath?: string;
  /** IDX: number of classes when the file may miss some. */
  numClasses?: number;
  /** Directory of the bundled CSVs (default client/data). */
  dataDir?: string;
}

export const DATASET_NAMES = ["breast-cancer", "digits", "mnist", "fashion-mnist"] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

interface Source {
  load: (o: LoadOptions) => DatasetSplit | Dataset;
  tabular: boolean;
}

const NAMED: Record<DatasetName, Source> = {
  "breast-cancer": { load: (o) => loadBreastCancer(o.dataDir), tabular: true },
  digits: { load: (o) => loadDigits(o.dataDir), tabular: true },
  // A fixed split: `limit` caps its training set (the test set stays whole, so evaluations stay comparable).
  mnist: { load: (o) => loadMnist({ ...o, trainLimit: o.trainLimit ?? o.limit }), tabular: false },
  "fashion-mnist": { load: (o) => loadFashionMnist({ ...o, trainLimit: o.trainLimit ?? o.limit }), tabular: false },
};

function defaultLabelsPath(imagesPath: string): string {
  const guess = imagesPath.replace(/images/g, "labels").replace(/idx3/g, "idx1");
  if (guess === imagesPath || !existsSync(guess)) {
    throw new Error(`${imagesPath}: cannot guess its labels file (tried ${guess}); pass labelsPath`);
  }
  return guess;
}

function pathSource(path: string): Source {
  const kind = dataFileKind(path);
  if (kind === "csv") {
    return {
      load: (o) => {
        if (!o.labelColumn) {
          // scikit-learn's own CSV (the bundled breast_cancer.csv) names its classes in its first line instead.
          const text = existsSync(path) ? readDataFile(path).toString("utf8") : "";
          if (text && sklearnHeader(csvLines(text, path)[0]?.cells ?? [])) {
            return parseSklearnCsv(text, path, o.classNames);
          }
          throw new Error(`${path}: a CSV needs labelColumn, the header name of the label column`);
        }
        return loadCsvDataset(path, {
          labelColumn: o.labelColumn,
          allowedLabels: o.allowedLabels,
          classNames: o.classNames,
        });
      },
      tabular: true,
    };
  }
  if (kind === "idx") {
    return {
      load: (o) => loadIdxPair(path, o.labelsPath ?? defaultLabelsPath(path), { numClasses: o.numClasses }),
      tabular: false,
    };
  }
  throw new Error(
    `unknown dataset "${path}": use one of ${DATASET_NAMES.join(", ")}, a .csv file or an IDX file (.idx, -ubyte)`,
  );
}

export function isDatasetName(s: string): s is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(s);
}

export function loadDataset(nameOrPath: string, opts: LoadOptions = {}): DatasetSplit {
  const source = isDatasetName(nameOrPath) ? NAMED[nameOrPath] : pathSource(nameOrPath);
  return splitLoaded(source.load(opts), opts, source.tabular);
}
