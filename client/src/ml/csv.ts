// Numeric CSV parsing with errors that name the file, the line and the fix: participants load
// their own data with this, and a silent NaN would train a broken model without anyone noticing.

import { makeDataset, type Dataset } from "./dataset";
import { readDataFile } from "./files";

export interface CsvLine {
  /** 1-based line number in the file. */
  lineNo: number;
  cells: string[];
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Non-blank lines split on commas (no quoting: numeric data does not need it). */
export function csvLines(text: string, file: string): CsvLine[] {
  const lines: CsvLine[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() !== "") lines.push({ lineNo: i + 1, cells: line.split(",").map((c) => c.trim()) });
  });
  if (lines.length === 0) {
    throw new Error(
      `${file}: the file is empty; it needs a header line and one line of comma-separated numbers per sample`,
    );
  }
  return lines;
}

/**
 * Parses every cell of `lines` as a number into one row-major array of `width` columns.
 * `columnName(j)` is only used to word error messages.
 */
export function numericRows(
  lines: CsvLine[],
  width: number,
  file: string,
  columnName: (j: number) => string,
): Float64Array {
  const out = new Float64Array(lines.length * width);
  lines.forEach(({ lineNo, cells }, r) => {
    if (cells.length !== width) {
      throw new Error(
        `${file}:${lineNo}: expected ${width} comma-separated values, found ${cells.length}; ` +
          `give every line exactly one value per column`,
      );
    }
    cells.forEach((cell, j) => {
      if (!NUMBER.test(cell)) {
        throw new Error(
          `${file}:${lineNo}: column "${columnName(j)}" holds "${cell}", which is not a number; ` +
            `use plain decimal numbers (no quotes, units or empty cells)`,
        );
      }
      out[r * width + j] = Number(cell);
    });
  });
  return out;
}

export interface LabelOptions {
  /** Allowed label values; class index = position in this list (so all participants agree on it). */
  allowedLabels?: number[];
  labelNames?: string[];
}

/**
 * Builds a Dataset from parsed rows, taking column `labelIdx` as the label and the rest as features.
 * Without `allowedLabels`, labels must be non-negative integers and are used as class indices.
 */
export function rowsToDataset(
  rows: Float64Array,
  lines: CsvLine[],
  width: number,
  labelIdx: number,
  file: string,
  opts: LabelOptions = {},
): Dataset {
  const n = lines.length;
  const f = width - 1;
  const x = new Float32Array(n * f);
  const y = new Int32Array(n);
  const allowed = opts.allowedLabels;
  for (let r = 0; r < n; r++) {
    const label = rows[r * width + labelIdx];
    const cls = allowed ? allowed.indexOf(label) : label;
    if (allowed && cls < 0) {
      throw new Error(
        `${file}:${lines[r].lineNo}: label ${label} is not one of the allowed labels [${allowed.join(", ")}]; ` +
          `fix the label or widen the allowed set`,
      );
    }
    if (!Number.isInteger(cls) || cls < 0) {
      throw new Error(
        `${file}:${lines[r].lineNo}: label ${label} is not a non-negative integer; ` +
          `encode classes as 0, 1, 2, ... or pass the allowed labels`,
      );
    }
    y[r] = cls;
    for (let j = 0, k = 0; j < width; j++) if (j !== labelIdx) x[r * f + k++] = rows[r * width + j];
  }
  const numClasses = allowed ? allowed.length : y.reduce((m, v) => Math.max(m, v + 1), 0);
  return makeDataset({ x, y, numFeatures: f, numClasses, featureShape: [f], labelNames: opts.labelNames });
}

export interface CsvDatasetOptions extends LabelOptions {
  /** Header name of the label column. */
  labelColumn: string;
}

/** A participant's CSV: a header line of column names, then numeric rows. */
export function parseCsvDataset(text: string, file: string, opts: CsvDatasetOptions): Dataset {
  const [headerLine, ...body] = csvLines(text, file);
  const header = headerLine.cells.map((c) => c.replace(/^"(.*)"$/, "$1"));
  const labelIdx = header.indexOf(opts.labelColumn);
  if (labelIdx < 0) {
    throw new Error(
      `${file}:${headerLine.lineNo}: no column named "${opts.labelColumn}" in the header ` +
        `(columns: ${header.join(", ")}); pass one of these as the label column`,
    );
  }
  if (body.length === 0) throw new Error(`${file}: the header has no data lines after it; add one line per sample`);
  const rows = numericRows(body, header.length, file, (j) => header[j]);
  return rowsToDataset(rows, body, header.length, labelIdx, file, opts);
}

export function loadCsvDataset(path: string, opts: CsvDatasetOptions): Dataset {
  return parseCsvDataset(readDataFile(path).toString("utf8"), path, opts);
}
