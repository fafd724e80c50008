/**
 * A pca task's public input basis as a JSON document, `<digest>.json`: what the owner publishes beside
 * the models and every participant, late joiner or decrypting reader loads (a node from its --models
 * sources, a browser from a file the user picks). Nothing in it needs to be trusted: it is accepted only
 * if it is a valid basis that hashes to the digest the task's spec commits to. No I/O, so the nodes and
 * the web app read the same format with the same checks.
 */
import { checkInputBasis, inputBasisDigest, type InputBasis } from "../codec/inputBasis";

/** The file format. */
export interface InputBasisFile {
  digest: string;
  inputBasis: { keep: number; features: number; rows: number[] };
}

/** The file a basis is published as (its name: `${digest}.json`). */
export function inputBasisFile(basis: InputBasis): InputBasisFile {
  return {
    digest: inputBasisDigest(basis),
    inputBasis: { keep: basis.keep, features: basis.features, rows: Array.from(basis.rows) },
  };
}

/**
 * The basis a parsed file holds if it is one and hashes to `digest` (the task spec's); throws the reason
 * it is not: not a basis file, not a valid basis, or another basis than the task's.
 */
export function inputBasisFromFile(value: unknown, digest: string): InputBasis {
  const v = (value as Partial<InputBasisFile> | null)?.inputBasis;
  if (typeof v !== "object" || v === null || !Array.isArray(v.rows)) {
    throw new Error("not an input basis file ({digest, inputBasis: {keep, features, rows}})");
  }
  const basis: InputBasis = { keep: v.keep, features: v.features, rows: Float64Array.from(v.rows) };
  checkInputBasis(basis);
  const actual = inputBasisDigest(basis);
  if (actual !== digest) {
    throw new Error(`it holds the basis ${actual}, not the task's ${digest}: ignored`);
  }
  return basis;
}
