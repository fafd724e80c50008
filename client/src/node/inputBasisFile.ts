/**
 * A pca task's public input basis as a file: `<digest>.json` in a models directory, so the owner
 * publishes it where the models already go (`flufhe serve-models`, `--models <dir|url>`) and every
 * participant, late joiner or decrypting reader fetches it by the digest the task's spec commits to.
 * The format and its checks are ../protocol/inputBasisFile (the web app reads the same files); computing
 * a basis from public records is ../protocol/publicBasis.
 */
import type { InputBasis } from "../codec/inputBasis";
import { inputBasisFile, inputBasisFromFile } from "../protocol/inputBasisFile";
import { writeFileAtomic } from "./atomicFile";
import type { ModelDirectory, ModelSource } from "./modelStore";

/** Saves a basis under its digest in a models directory; returns the file's path. */
export function saveInputBasis(dir: ModelDirectory, basis: InputBasis): string {
  const file = inputBasisFile(basis);
  const where = dir.path(file.digest);
  writeFileAtomic(where, JSON.stringify(file) + "\n");
  return where;
}

/** The first basis among `sources` that hashes to `digest`; throws naming every source tried and why it failed. */
export async function findInputBasis(sources: readonly ModelSource[], digest: string): Promise<InputBasis> {
  const tried: string[] = [];
  for (const source of sources) {
    try {
      return inputBasisFromFile(await source.fetch(digest), digest);
    } catch (error) {
      tried.push(`${source.name} (${(error as Error).message})`);
    }
  }
  throw new Error(
    `no model source has the task's public input basis ${digest} (its pca encoding needs it): tried ` +
      `${tried.join(", ") || "none"}. Ask the owner for it (the models directory the task was created with, or ` +
      "flufhe serve-models) and pass --models <dir|url>",
  );
}
