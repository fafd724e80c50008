/**
 * A participant's private data in the page: the picked file(s) read (a CSV's header columns, so the page
 * can offer them as the label column; scikit-learn's format recognised; the data's privacy-ledger entry),
 * then parsed with the nodes' parsers and split exactly as `flufhe node --data <file> --seed <seed>` splits
 * them (client/src/ml splitLoaded: seeded 80/20 split, CSV features z-scored with the training part's
 * statistics), then checked against the task's model with the node's own message. The bytes never leave
 * the browser. No React.
 */
import { hexlify, sha256 } from "ethers";
import { csvLines } from "../../../client/src/ml/csv";
import { checkFitsModel, type DatasetSplit } from "../../../client/src/ml/dataset";
import { splitLoaded } from "../../../client/src/ml/split";
import type { DatasetRef } from "../../../client/src/privacy/ledger";
import type { ModelSpec } from "../../../client/src/protocol/modelSpec";
import { dataKind, parsePicked, readPicked, type ParsedFiles, type PickedFile } from "../model/dataFiles";
import { parseSklearnCsv, sklearnHeader, type SklearnHeader } from "../../../client/src/ml/sklearnCsv";

export interface LocalDataOptions {
  /** CSV: header of the label column (the node's --label-column). */
  labelColumn: string;
  /** The node's --seed: seeds the train/test split and, per round, the local training. */
  seed: number;
  /** The node's --limit: only the first `limit` samples of the file. */
  limit?: number;
}

/** A CSV with a header line, scikit-learn's CSV (counts and class names first), or an IDX pair. */
export type DataFormat = "csv" | "sklearn" | "idx";

/** The picked file(s) as read, before the parse that needs the label column. */
export interface PickedData {
  files: PickedFile[];
  format: DataFormat;
  /** A CSV's header columns: the label column is one of them. */
  columns?: string[];
  /** scikit-learn's format: its counts and class names (the label is its last column). */
  sklearn?: SklearnHeader;
  /** The data's privacy-ledger entry: the sha256 of the data file's bytes, named by the file (the node's dataRef). */
  dataset: DatasetRef;
}

export interface LocalData extends DatasetSplit {
  source: string;
  dataset: DatasetRef;
}

/**
 * The sha256 of a file's bytes as 0x-hex: WebCrypto (native, fast on large files) where the page has it,
 * else ethers' (an insecure-context page, e.g. served over plain http from another host, has no crypto.subtle).
 */
async function fileDigest(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return sha256(bytes);
  return hexlify(new Uint8Array(await subtle.digest("SHA-256", bytes as BufferSource)));
}

/** A header line is short: only the file's start is decoded to find it. */
const HEAD_BYTES = 1 << 16;

function firstLine(file: PickedFile): string[] {
  const head = new TextDecoder().decode(file.bytes.subarray(0, HEAD_BYTES));
  const end = head.search(/\r|\n/);
  return csvLines(end < 0 ? head : head.slice(0, end), file.name)[0].cells;
}

/**
 * Reads the picked files in the page: gunzipped (.gz), a single CSV's first line, and the ledger entry of
 * the data file (a CSV, or an IDX pair's images file, as the node's --data names it; the bytes as picked,
 * as the node hashes the file it is given).
 */
export async function readLocalFiles(picked: readonly (Blob & { name: string })[]): Promise<PickedData> {
  if (picked.length === 0) throw new Error("pick a data file: a CSV with a label column, or IDX images and labels");
  const files = await Promise.all(picked.map(readPicked));
  const csv = files.every((f) => dataKind(f) === "csv");
  // An IDX images file has more than one dimension (its 4th byte), the labels file one.
  const main = csv
    ? 0
    : Math.max(
        0,
        files.findIndex((f) => f.bytes[3] > 1),
      );
  const raw = new Uint8Array(await picked[main].arrayBuffer());
  const dataset = { fingerprint: await fileDigest(raw), label: picked[main].name };
  if (!csv) return { files, format: "idx", dataset };
  if (files.length !== 1) return { files, format: "csv", dataset }; // the parse says what is wrong
  const cells = firstLine(files[0]);
  const sklearn = sklearnHeader(cells);
  return sklearn ? { files, format: "sklearn", sklearn, dataset } : { files, format: "csv", columns: cells, dataset };
}

/** Whether the data still waits for its label column (a CSV whose header lacks the one chosen). */
export function needsLabelColumn(picked: PickedData, labelColumn: string): boolean {
  return picked.columns !== undefined && !picked.columns.includes(labelColumn.trim());
}

function parse(picked: PickedData, spec: ModelSpec, labelColumn: string): ParsedFiles {
  if (picked.format !== "sklearn") return parsePicked(picked.files, labelColumn, spec.classNames);
  const [file] = picked.files;
  const data = parseSklearnCsv(new TextDecoder().decode(file.bytes), file.name, spec.classNames);
  return { data, name: file.name, tabular: true };
}

export function localSplit(picked: PickedData, spec: ModelSpec, o: LocalDataOptions): LocalData {
  const { data, name, tabular } = parse(picked, spec, o.labelColumn);
  const split = splitLoaded(data, { seed: o.seed, limit: o.limit }, tabular);
  checkFitsModel("training", split.train, spec);
  checkFitsModel("test", split.test, spec);
  return { ...split, source: name, dataset: picked.dataset };
}
