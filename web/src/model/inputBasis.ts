/**
 * A pca task's public input basis in the browser: the spec commits to its digest, the owner publishes
 * it as `<digest>.json` beside the models, and the user loads that file once; it is kept in the
 * browser's model store under the digest and checked against it whenever it is read (a record that
 * fails is deleted), as the nodes check what their --models sources return. The participant page
 * encodes and the rebuild and the decryption panel decode with it. No React here.
 */
import { encodingName } from "../../../client/src/codec/encoding";
import { inputBasisDigest, type InputBasis } from "../../../client/src/codec/inputBasis";
import type { EncodingArtifacts } from "../../../client/src/node/encoding";
import { inputBasisFromFile } from "../../../client/src/protocol/inputBasisFile";
import type { ModelSpec } from "../../../client/src/protocol/modelSpec";
import { shortHash } from "../format";
import type { ModelStore } from "./store";

/** The digest of the input basis the spec's encoding needs (pca), else undefined. */
export function inputBasisDigestOf(spec: ModelSpec | undefined): string | undefined {
  return spec?.encoding?.kind === "pca" ? spec.encoding.basis : undefined;
}

/** What to do when this browser lacks a pca task's basis. */
export function missingInputBasisMessage(spec: ModelSpec): string {
  const digest = inputBasisDigestOf(spec) ?? "";
  return (
    `this task's ${encodingName(spec.encoding!)} encoding needs its public input basis ${shortHash(digest)}, ` +
    `which this browser does not hold: load the file ${digest}.json the owner published beside the task's ` +
    `models (their .flufhe/models folder, or flufhe serve-models) under "Input basis" in the Global model panel`
  );
}

/** The basis filed under `digest`, if it is a valid basis that hashes to it (else the record is deleted). */
export async function readInputBasis(store: ModelStore, digest: string): Promise<InputBasis | undefined> {
  const record = await store.getInputBasis(digest);
  if (!record) return undefined;
  const basis: InputBasis = { keep: record.keep, features: record.features, rows: Float64Array.from(record.rows) };
  try {
    if (inputBasisDigest(basis) === digest) return basis;
  } catch {
    // Not a valid basis any more: dropped below like one that hashes elsewhere.
  }
  await store.deleteInputBasis(digest);
  return undefined;
}

/**
 * What the spec's encoding needs beside the spec, read from the store: a pca task's input basis (throws
 * what to load when it is missing); nothing for every other encoding.
 */
export async function encodingArtifacts(spec: ModelSpec, store: ModelStore): Promise<EncodingArtifacts> {
  const digest = inputBasisDigestOf(spec);
  if (digest === undefined) return {};
  const inputBasis = await readInputBasis(store, digest);
  if (!inputBasis) throw new Error(missingInputBasisMessage(spec));
  return { inputBasis };
}

/**
 * Keeps the basis file `name` (its text) the user loaded for a task with this spec, after checking it
 * is the basis the spec commits to; throws what is wrong with it otherwise.
 */
export async function importInputBasis(
  store: ModelStore,
  spec: ModelSpec,
  text: string,
  name: string,
): Promise<InputBasis> {
  const digest = inputBasisDigestOf(spec);
  if (digest === undefined) throw new Error(`this task's encoding needs no input basis: ${name} was not loaded`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${name} is not JSON: pick the input basis file ${digest}.json the owner published`);
  }
  let basis: InputBasis;
  try {
    basis = inputBasisFromFile(value, digest);
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}. Pick the file ${digest}.json the owner published`);
  }
  await store.putInputBasis({ digest, ...basis, savedAt: Date.now() });
  return basis;
}
