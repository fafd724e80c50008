// Reading data files from disk, transparently un-gzipping, with errors that say what to do.
// Shared by the CSV and IDX loaders (sklearn's digits and Debian's Fashion-MNIST ship gzipped).

import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

/** Raw bytes of `path`, gunzipped when the name ends in .gz. */
export function readDataFile(path: string, hint = "check the path"): Buffer {
  if (!existsSync(path)) throw new Error(`${path}: file not found; ${hint}`);
  const raw = readFileSync(path);
  return path.endsWith(".gz") ? gunzipSync(raw) : raw;
}
