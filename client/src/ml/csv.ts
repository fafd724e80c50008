// CSV parsing with errors that name the file, the line and the fix: participants load their own
// data with this, and a silent NaN would train a broken model without anyone noticing.
// Parsing works on text only (papaparse runs in Node and in browsers); reading files stays in files.ts.

// @ts-expect-error -- papaparse ships no type declarations; the part used here is typed below
import Papa from "papaparse";
import { makeDataset, type Dataset } from "./dataset";
import { readDataFile } from "./files";

export interface CsvLine {
  /** 1-based line number in the file (of the line where the record starts). */
  lineNo: number;
  cells: string[];
}

interface PapaStep {
  data: string[];
  errors: { code: string; message: string }[];
  meta: { cursor: number };
}
interface PapaParse {
  parse(text: string, config: { delimiter: string; newline: string; step: (row: PapaStep) => void }): unknown;
}
const papa: PapaParse = Papa;

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function quoteError(file: string, lineNo: number, errors: PapaStep["errors"]): Error {
  const codes = errors.map((e) => e.code);
  const what = codes.includes("InvalidQuotes")
    ? `a quoted field has text after its closing quote; quote the whole cell and write a " inside it as ""`
    : codes.includes("MissingQuotes")
      ? `a quoted field is never closed; add the closing " or remove the opening one`
      : `${errors[0].message}; fix the quoting of this line`;
  return new Error(`${file}:${lineNo}: ${what}`);
}

/**
 * Non-blank records of a comma-separated file, cells trimmed. Follows RFC 4180 quoting (quoted
 * commas, "" inside quotes, line breaks inside quotes), ignores a UTF-8 byte-order mark and accepts
 * LF, CRLF and CR line endings.
 */
export function csvLines(text: string, file: string): CsvLine[] {
  // One line-break convention, so the parser and the line numbers in messages agree.
  const src = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const lines: CsvLine[] = [];
  let lineNo = 1;
  let pos = 0;
  papa.parse(src, {
    delimiter: ",",
    newline: "\n",
    step: ({ data, errors, meta }) => {
      const start = lineNo;
      for (; pos < meta.cursor; pos++) if (src.charCodeAt(pos) === 10) lineNo++;
      if (errors.length > 0) throw quoteError(file, start, errors);
      const cells = data.map((c) => c.trim());
      if (cells.length > 1 || cells[0] !== "") lines.push({ lineNo: start, cells });
    },
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
            `use plain decimal numbers (no units, text or empty cells)`,
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
  /**
   * The task's class names, for a label column holding names (or any text): class index =
   * position in this list, and a label not in it is an error. A task should carry this list:
   * without it, classes are the sorted labels present in this file, so a participant whose
   * data lacks a class would number the others differently from everyone else.
   * Labels are compared as text, exactly (case and spaces inside count). Not with allowedLabels.
   */
  classNames?: string[];
}

function checkClassNames(names: string[], file: string): void {
  if (names.length === 0) throw new Error(`${file}: classNames is empty; list the task's class names`);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new Error(`${file}: classNames lists "${name}" twice; give each class once`);
    seen.add(name);
  }
}

/**
 * The class names of the label column, or undefined when its labels are numbers (then they are
 * class indices, or values of `allowedLabels`, as before class names were supported).
 * Lines with the wrong number of cells are skipped here: numericRows reports them.
 */
function labelClasses(
  body: CsvLine[],
  width: number,
  labelIdx: number,
  column: string,
  file: string,
  opts: CsvDatasetOptions,
): string[] | undefined {
  const given = opts.classNames;
  if (given) {
    if (opts.allowedLabels) throw new Error(`${file}: pass either classNames or allowedLabels, not both`);
    checkClassNames(given, file);
  }
  const allowed = new Set(given);
  const present = new Set<string>();
  let firstNumber: CsvLine | undefined;
  let firstName: CsvLine | undefined;
  for (const line of body) {
    if (line.cells.length !== width) continue;
    const label = line.cells[labelIdx];
    const at = `${file}:${line.lineNo}: column "${column}"`;
    if (label === "") throw new Error(`${at} is empty; give every sample a label`);
    if (given) {
      if (!allowed.has(label)) {
        throw new Error(
          `${at} holds "${label}", which is not one of the class names [${given.join(", ")}]; ` +
            `fix the label or add the class to the task's class list`,
        );
      }
      continue;
    }
    const fix = `label every sample with a class index (0, 1, 2, ...) or every sample with a class name`;
    if (NUMBER.test(label)) {
      firstNumber ??= line;
      if (firstName) {
        const name = firstName.cells[labelIdx];
        throw new Error(
          `${at} holds "${label}", a number, while line ${firstName.lineNo} holds the class name "${name}"; ${fix}`,
        );
      }
    } else {
      firstName ??= line;
      if (firstNumber) {
        const num = firstNumber.cells[labelIdx];
        throw new Error(
          `${at} holds "${label}", which is not a number, while line ${firstNumber.lineNo} holds the number "${num}"; ${fix}`,
        );
      }
    }
    present.add(label);
  }
  if (given) return [...given];
  if (!firstName) return undefined;
  if (opts.allowedLabels) {
    throw new Error(
      `${file}:${firstName.lineNo}: column "${column}" holds "${firstName.cells[labelIdx]}", which is not a number; ` +
        `allowedLabels needs numeric labels: pass classNames for labels that are class names`,
    );
  }
  // Default sort = UTF-16 code-unit order: the same on every machine, whatever its locale.
  return [...present].sort();
}

/**
 * A participant's CSV: a header line of column names, then one line per sample. Features must be
 * numbers; the label column holds class indices (0, 1, 2, ...) or class names (see classNames).
 * With class names, the returned dataset's labelNames lists them in class-index order.
 */
export function parseCsvDataset(text: string, file: string, opts: CsvDatasetOptions): Dataset {
  const [headerLine, ...body] = csvLines(text, file);
  const header = headerLine.cells;
  const labelIdx = header.indexOf(opts.labelColumn);
  if (labelIdx < 0) {
    throw new Error(
      `${file}:${headerLine.lineNo}: no column named "${opts.labelColumn}" in the header ` +
        `(columns: ${header.join(", ")}); pass one of these as the label column`,
    );
  }
  if (header.length < 2) {
    throw new Error(
      `${file}:${headerLine.lineNo}: the only column is the label "${opts.labelColumn}"; a sample needs at least ` +
        `one feature column beside its label (is the file separated by something other than commas?)`,
    );
  }
  if (body.length === 0) throw new Error(`${file}: the header has no data lines after it; add one line per sample`);
  const width = header.length;
  const classes = labelClasses(body, width, labelIdx, opts.labelColumn, file, opts);
  if (!classes) {
    const rows = numericRows(body, width, file, (j) => header[j]);
    return rowsToDataset(rows, body, width, labelIdx, file, opts);
  }
  // Class names become their indices, then the numeric path does the rest (and its checks).
  const index = new Map(classes.map((name, i) => [name, String(i)]));
  const indexed = body.map((line) =>
    line.cells.length !== width
      ? line
      : { ...line, cells: line.cells.map((c, j) => (j === labelIdx ? (index.get(c) as string) : c)) },
  );
  const rows = numericRows(indexed, width, file, (j) => header[j]);
  return rowsToDataset(rows, indexed, width, labelIdx, file, {
    allowedLabels: classes.map((_, i) => i),
    labelNames: classes,
  });
}

export function loadCsvDataset(path: string, opts: CsvDatasetOptions): Dataset {
  return parseCsvDataset(readDataFile(path).toString("utf8"), path, opts);
}
