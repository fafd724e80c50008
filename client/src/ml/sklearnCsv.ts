/**
 * scikit-learn's own CSV format, the one of the repository's bundled client/data/breast_cancer.csv: a
 * first line "<samples>,<features>,<class name>,…" (569,30,malignant,benign), then per line the features
 * and the class index. One parse on text for the named dataset "breast-cancer" (sklearn.ts), a CSV path
 * given to the node, and a file picked in the browser. No I/O.
 */
import { csvLines, numericRows, rowsToDataset, type CsvLine } from "./csv";
import { makeDataset, type Dataset } from "./dataset";

export interface SklearnHeader {
  samples: number;
  features: number;
  /** Class names in class-index order (the file's labels are indices into this list). */
  classNames: string[];
}

const COUNT = /^[1-9]\d*$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The sklearn header when `cells` (a CSV's first line) is one: two counts, then at least two class
 * names (no column header of a real CSV reads like that: two whole numbers followed by names).
 */
export function sklearnHeader(cells: readonly string[]): SklearnHeader | undefined {
  const [samples, features, ...names] = cells;
  if (!COUNT.test(samples ?? "") || !COUNT.test(features ?? "") || names.length < 2) return undefined;
  if (names.some((n) => n === "" || NUMBER.test(n))) return undefined;
  return { samples: Number(samples), features: Number(features), classNames: names };
}

/**
 * The file's records, labelled with the task's class indices: a task that names its classes
 * (`classNames`, as tasks made from this file do) must list every class of the file, which is then
 * mapped by name; without names the file's indices are used, as the node does.
 */
export function parseSklearnCsv(text: string, file: string, classNames?: readonly string[]): Dataset {
  const [meta, ...body] = csvLines(text, file);
  const header = sklearnHeader(meta.cells);
  if (!header) throw new Error(`${file}:${meta.lineNo}: not scikit-learn's "<samples>,<features>,<class names>" line`);
  if (body.length !== header.samples) {
    throw new Error(
      `${file}: its first line announces ${header.samples} samples, the file has ${body.length}; the file is cut or edited`,
    );
  }
  const width = header.features + 1;
  const rows = numericRows(body, width, file, (j) => (j === header.features ? "label" : `feature ${j + 1}`));
  const own = header.classNames;
  const data = rowsToDataset(rows, body, width, header.features, file, {
    allowedLabels: own.map((_, i) => i),
    labelNames: own,
  });
  return classNames ? toTaskClasses(data, own, classNames, file, body) : data;
}

/** Relabels `data` (classes named `own`) with the task's class indices. */
function toTaskClasses(
  data: Dataset,
  own: readonly string[],
  task: readonly string[],
  file: string,
  lines: readonly CsvLine[],
): Dataset {
  const index = own.map((name) => task.indexOf(name));
  const missing = own.find((_, i) => index[i] < 0 && data.y.includes(i));
  if (missing !== undefined) {
    const line = lines[data.y.indexOf(own.indexOf(missing))].lineNo;
    throw new Error(
      `${file}:${line}: class "${missing}" is not one of the task's classes [${task.join(", ")}]; ` +
        `use data with the task's classes`,
    );
  }
  const y = data.y.map((c) => index[c]);
  return makeDataset({ ...data, y, numClasses: task.length, labelNames: [...task] });
}
