import { randomUUID } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * Writes `text` to `file` so that a reader sees the old file or the whole new one, never half of it,
 * and so that several processes (or threads) writing the same file at once never share a temporary
 * file: each writes its own uniquely named one, then renames it over `file` (atomic on POSIX).
 */
export function writeFileAtomic(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
