/**
 * A pca task's public input basis as a file: `<digest>.json` in a models directory, so the owner
 * publishes it where the models already go (`flufhe serve-models`, `--models <dir|url>`) and every
 * participant, late joiner or decrypting reader fetches it by the digest the task's spec commits to.
 * Nothing here needs to be trusted: a basis is accepted only if it hashes to that digest.
 */
import { encodingName, withInputBasis, type EncodingSpec } from "../codec/encoding";
import { checkInputBasis, inputBasisDigest, principalInputBasis, type InputBasis } from "../codec/inputBasis";
import type { Dataset } from "../ml/dataset";
import type { ModelSpec } from "../protocol/modelSpec";
import { pcaKeepByWordsRule } from "../protocol/wordsRule";
import { writeFileAtomic } from "./atomicFile";
import type { ModelDirectory, ModelSource } from "./modelStore";

/** The file format. */
export interface InputBasisFile {
  digest: string;
  inputBasis: { keep: number; features: number; rows: number[] };
}

/** Saves a basis under its digest in a models directory; returns the file's path. */
export function saveInputBasis(dir: ModelDirectory, basis: InputBasis): string {
  const digest = inputBasisDigest(basis);
  const file: InputBasisFile = {
    digest,
    inputBasis: { keep: basis.keep, features: basis.features, rows: Array.from(basis.rows) },
  };
  const where = dir.path(digest);
  writeFileAtomic(where, JSON.stringify(file) + "\n");
  return where;
}

/** The basis a file holds if it is one and hashes to `digest`, else the reason it is not. */
function basisIn(value: unknown, digest: string): InputBasis | string {
  const v = (value as Partial<InputBasisFile> | null)?.inputBasis;
  if (!v || !Array.isArray(v.rows)) return "not an input basis file";
  const basis: InputBasis = { keep: v.keep, features: v.features, rows: Float64Array.from(v.rows) };
  try {
    checkInputBasis(basis);
  } catch (error) {
    return (error as Error).message;
  }
  return inputBasisDigest(basis) === digest ? basis : "its basis does not hash to the digest: ignored";
}

/** The first basis among `sources` that hashes to `digest`; throws naming every source tried and why it failed. */
export async function findInputBasis(sources: readonly ModelSource[], digest: string): Promise<InputBasis> {
  const tried: string[] = [];
  for (const source of sources) {
    try {
      const found = basisIn(await source.fetch(digest), digest);
      if (typeof found !== "string") return found;
      tried.push(`${source.name} (${found})`);
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
