// Shared by the ml tests: scratch files in a per-process temp directory.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "flufhe-ml-"));

/** Writes `content` to a fresh file called `name` and returns its path. */
export function tmpFile(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
