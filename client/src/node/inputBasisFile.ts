/**
 * A pca task's public input basis as a file: `<digest>.json` in a models directory, so the owner
 * publishes it where the models already go (`flufhe serve-models`, `--models <dir|url>`) and every
 * participant, late joiner or decrypting reader fetches it by the digest the task's spec commits to.
 * The format and its checks are ../protocol/inputBasisFile (the web app reads the same files).
 */
import { encodingName, withInputBasis, type EncodingSpec } from "../codec/encoding";
import { principalInputBasis, type InputBasis } from "../codec/inputBasis";
import type { Dataset } from "../ml/dataset";
import { inputBasisFile, inputBasisFromFile } from "../protocol/inputBasisFile";
import type { ModelSpec } from "../protocol/modelSpec";
import { pcaKeepByWordsRule } from "../protocol/wordsRule";
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

/** A pca basis of `keep` directions from a public sample (its inputs only), with the share of their energy it holds. */
export function basisFromSample(sample: Dataset, keep: number): { basis: InputBasis; retained: number } {
  if (sample.y.length === 0) throw new Error("the public sample is empty: a pca basis needs at least one record");
  return principalInputBasis(sample.x, sample.y.length, sample.numFeatures, keep);
}

/**
 * A new task's encoding with what it needs from public data: a pca encoding gets its keep (the words
 * rule's for `model` at `valueBits` when the flag gave none), its basis from `sample` and the basis'
 * digest in its spec; other encodings pass as they are. `flag` names where the sample comes from, for
 * the error when there is none ("--public-share <fraction>").
 */
export function withPublicBasis(
  encoding: EncodingSpec | undefined,
  sample: Dataset | undefined,
  o: { flag: string; model: ModelSpec; valueBits?: number },
): { encoding?: EncodingSpec; inputBasis?: InputBasis; retained?: number } {
  if (encoding?.kind !== "pca") return { encoding };
  if (!sample) throw new Error(`${encodingName(encoding)} takes its input basis from a public sample: add ${o.flag}`);
  const keep = encoding.keep ?? pcaKeepByWordsRule(o.model, o.valueBits);
  const { basis, retained } = basisFromSample(sample, keep);
  return { encoding: withInputBasis({ ...encoding, keep }, basis), inputBasis: basis, retained };
}
