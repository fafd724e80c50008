// The two small benchmark sets shipped in client/data (copied from Debian's python3-sklearn,
// see client/data/README.md): they are committed so tests and demos never need the internet.

import { join, resolve } from "node:path";
import { csvLines, numericRows, rowsToDataset } from "./csv";
import type { Dataset } from "./dataset";
import { readDataFile } from "./files";
import { parseSklearnCsv } from "./sklearnCsv";

/** client/data, found relative to this source file. */
export const DEFAULT_DATA_DIR = resolve(__dirname, "../../data");

/**
 * sklearn's breast_cancer.csv: first line "569,30,malignant,benign" (samples, features, class
 * names), then 30 features + a 0/1 label per line (0 = malignant, 1 = benign).
 */
export function loadBreastCancer(dataDir = DEFAULT_DATA_DIR): Dataset {
  const file = join(dataDir, "breast_cancer.csv");
  return parseSklearnCsv(readDataFile(file).toString("utf8"), file);
}

/** sklearn's digits.csv.gz: no header, 64 pixel values (0..16) of an 8x8 image, then the digit. */
export function loadDigits(dataDir = DEFAULT_DATA_DIR): Dataset {
  const file = join(dataDir, "digits.csv.gz");
  const lines = csvLines(readDataFile(file).toString("utf8"), file);
  const rows = numericRows(lines, 65, file, (j) => (j === 64 ? "label" : `pixel ${j}`));
  const labelNames = Array.from({ length: 10 }, (_, i) => String(i));
  const flat = rowsToDataset(rows, lines, 65, 64, file, { allowedLabels: labelNames.map(Number), labelNames });
  return { ...flat, featureShape: [8, 8, 1] };
}
