/**
 * A local evaluation file turned into a Dataset inside the page, with the nodes' own parsers
 * (client/src/ml: CSV with a label column, IDX image/label pairs). The bytes come from a file input and
 * never leave the browser. No React here.
 */
import { parseCsvDataset } from "../../../client/src/ml/csv";
import { makeDataset, type Dataset } from "../../../client/src/ml/dataset";
import { dataFileKind, datasetFromIdx, parseIdx, type DataFileKind } from "../../../client/src/ml/idx";
import { applyStandardiser, fitStandardiser } from "../../../client/src/ml/standardise";
import type { ModelSpec } from "../../../client/src/protocol/modelSpec";

/** A picked file's name and bytes (gunzipped when the name ends in .gz). */
export interface PickedFile {
  name: string;
  bytes: Uint8Array;
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Reads a user's file in the page; a .gz name is decompressed (DecompressionStream). */
export async function readPicked(file: Blob & { name: string }): Promise<PickedFile> {
  const raw = new Uint8Array(await file.arrayBuffer());
  return { name: file.name, bytes: /\.gz$/i.test(file.name) ? await gunzip(raw) : raw };
}

export type DataKind = DataFileKind;

/** CSV by name (.csv, .csv.gz) or content; IDX by name (.idx*, -ubyte) or its magic bytes. */
export function dataKind(file: PickedFile): DataKind {
  return dataFileKind(file.name, file.bytes) ?? "csv";
}

export interface DataOptions {
  /** CSV: header of the label column. */
  labelColumn: string;
  /** Z-score the features with this file's own mean and deviation, as the nodes do for tabular data. */
  standardise: boolean;
}

/** What evaluation needs to know of a model: its input shape, classes and class names. */
export type ModelShape = Pick<ModelSpec, "inputShape" | "numClasses" | "classNames">;

/** Makes a dataset fit the model: the spec's input shape (same number of values) and class count. */
export function fitToSpec(data: Dataset, spec: ModelShape, name: string): Dataset {
  const size = spec.inputShape.reduce((a, b) => a * b, 1);
  if (data.numFeatures !== size) {
    throw new Error(
      `${name}: a sample has ${data.numFeatures} values ([${data.featureShape}]), the model expects ` +
        `${size} ([${spec.inputShape}]): pick data of the task's kind`,
    );
  }
  const tooHigh = data.y.findIndex((y) => y >= spec.numClasses);
  if (tooHigh >= 0) {
    throw new Error(
      `${name}: sample ${tooHigh} has class ${data.y[tooHigh]}, the model knows ${spec.numClasses} classes (0–${spec.numClasses - 1})`,
    );
  }
  return makeDataset({ ...data, featureShape: [...spec.inputShape], numClasses: spec.numClasses });
}

/** Picked files parsed with the nodes' parsers, before any split or standardisation. */
export interface ParsedFiles {
  data: Dataset;
  /** The data file's name (the images file of an IDX pair). */
  name: string;
  /** A CSV (features standardised as the nodes do for tabular data), not images. */
  tabular: boolean;
}

/**
 * One CSV (header line, a label column, numeric features; labels that are names map through
 * `classNames`), or an IDX images file and its labels file (byte images scaled to [0, 1], as the
 * nodes load them: client/src/ml's datasetFromIdx).
 */
export function parsePicked(
  files: readonly PickedFile[],
  labelColumn: string,
  classNames: string[] | undefined,
): ParsedFiles {
  if (files.length === 0) throw new Error("pick a data file: a CSV with a label column, or IDX images and labels");
  const kinds = files.map(dataKind);
  if (kinds.every((k) => k === "csv")) {
    if (files.length !== 1) throw new Error("pick one CSV file");
    const [file] = files;
    if (!labelColumn.trim()) throw new Error("name the CSV's label column");
    const data = parseCsvDataset(new TextDecoder().decode(file.bytes), file.name, {
      labelColumn: labelColumn.trim(),
      classNames,
    });
    return { data, name: file.name, tabular: true };
  }
  if (files.length !== 2 || kinds.some((k) => k !== "idx")) {
    throw new Error(
      "IDX data needs two files: the images and the labels (e.g. t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte)",
    );
  }
  const parsed = files.map((f) => ({ file: f, idx: parseIdx(f.bytes, f.name) }));
  const labels = parsed.find((p) => p.idx.shape.length === 1);
  const images = parsed.find((p) => p !== labels);
  if (!labels || !images || images.idx.shape.length < 2) {
    throw new Error("of the two IDX files, one must hold the labels (1-D) and the other the images");
  }
  const data = datasetFromIdx(images.idx, labels.idx, { images: images.file.name, labels: labels.file.name });
  return { data, name: images.file.name, tabular: false };
}

/** The evaluation set from the picked files (see parsePicked), fitted to the model's input shape. */
export function datasetFromFiles(files: readonly PickedFile[], spec: ModelShape, options: DataOptions): Dataset {
  const { data, name, tabular } = parsePicked(files, options.labelColumn, spec.classNames);
  const ready = tabular && options.standardise ? applyStandardiser(fitStandardiser(data), data) : data;
  return fitToSpec(ready, spec, name);
}
