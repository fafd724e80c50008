import { existsSync } from "node:fs";
import path from "node:path";

const found = new Map<string, string>();

/** node_modules/<name>, found upwards from the working directory (repo root or web/). */
export function packageDir(name: string): string {
  const known = found.get(name);
  if (known) return known;
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", ...name.split("/"));
    if (existsSync(/*turbopackIgnore: true*/ path.join(candidate, "package.json"))) {
      found.set(name, candidate);
      return candidate;
    }
    if (path.dirname(dir) === dir) throw new Error(`${name} is not installed`);
  }
}
