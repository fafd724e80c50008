/**
 * Browser stand-in for `node:fs` and `node:zlib` (next.config.ts aliases them for client bundles only).
 * client/src/ml/files.ts reads data files from disk for the CLI; the page imports its neighbours (the CSV
 * and IDX parsers), which work on bytes and never call these.
 */
const unavailable = (name: string) => (): never => {
  throw new Error(`${name} is not available in the browser: the page parses the bytes of picked files`);
};

export const existsSync = unavailable("fs.existsSync");
export const readFileSync = unavailable("fs.readFileSync");
export const gunzipSync = unavailable("zlib.gunzipSync");
