/**
 * Global models by commitment. A late joiner cannot decrypt the aggregates of rounds it was not part
 * of, so it takes the round's starting model from anyone who has it (the owner, any participant: a
 * directory on this machine or an HTTP server) and accepts it only if its hash is the round's
 * on-chain commitment. Nothing here needs to be trusted: the chain is the arbiter.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseModelWeights } from "../protocol/initialWeights";
import { modelCommitment, type ModelSpec } from "../protocol/modelSpec";
import { writeFileAtomic } from "./atomicFile";

/** The file format: also what `fl:decrypt` writes. */
export interface ModelFile {
  spec: ModelSpec;
  commitment: string;
  weights: number[];
  task?: string;
  round?: number;
}

/**
 * Where a model may be fetched from: `<hash>.json` files, a model by its commitment (or a pca task's
 * input basis by its digest, inputBasisFile.ts). What comes back is unchecked: callers verify it against the hash.
 */
export interface ModelSource {
  readonly name: string;
  fetch(hash: string): Promise<unknown>;
}

/** Where nodes and owners keep the global models they compute, by default. */
export const DEFAULT_MODEL_DIR = path.join(".flufhe", "models");

export const MODEL_COMMITMENT = /^0x[0-9a-f]{64}$/;
const HASH = MODEL_COMMITMENT;

/** `<commitment>.json` files in a directory; also where a session keeps the models it computes. */
export class ModelDirectory implements ModelSource {
  constructor(readonly dir: string) {}

  get name(): string {
    return this.dir;
  }

  path(commitment: string): string {
    if (!HASH.test(commitment)) throw new Error(`"${commitment}" is not a model commitment (0x and 64 hex digits)`);
    return path.join(this.dir, `${commitment}.json`);
  }

  async fetch(hash: string): Promise<unknown> {
    const file = this.path(hash);
    return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as unknown) : undefined;
  }

  /**
   * Saves a model under its commitment, once: the name is its content's hash, so a file already there
   * that hashes to it is this model and stays as it is. Atomic, and safe with several processes
   * saving the same model at once (participants sharing a folder finish a round together).
   */
  save(model: ModelFile): string {
    const file = this.path(model.commitment);
    if (!this.holds(file, model.commitment)) writeFileAtomic(file, JSON.stringify(model) + "\n");
    return file;
  }

  /** Whether `file` exists and its spec and weights hash to `commitment` (a damaged file does not). */
  private holds(file: string, commitment: string): boolean {
    if (!existsSync(file)) return false;
    try {
      const saved = JSON.parse(readFileSync(file, "utf8")) as ModelFile;
      return modelCommitment(saved.spec, Float32Array.from(saved.weights)) === commitment;
    } catch {
      return false;
    }
  }
}

/** An HTTP server of `<commitment>.json` files (e.g. `flufhe serve-models`). */
export class ModelUrl implements ModelSource {
  constructor(readonly base: string) {}

  get name(): string {
    return this.base;
  }

  async fetch(hash: string): Promise<unknown> {
    if (!HASH.test(hash)) return undefined;
    const response = await fetch(new URL(`${hash}.json`, this.base.endsWith("/") ? this.base : this.base + "/"));
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`${this.base} answered HTTP ${response.status}`);
    return (await response.json()) as unknown;
  }
}

/**
 * The weights of a model file (this format, as `fl:decrypt` and the nodes write it, or any JSON object with a
 * `weights` list): what an owner publishes as a task's initial weights.
 */
export function readModelWeights(file: string): Float32Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file}: not a readable JSON model file (${(error as Error).message})`);
  }
  return parseModelWeights(parsed, file);
}

/** Parses `--models` entries: http(s) URLs or directories. */
export function modelSources(entries: readonly string[]): ModelSource[] {
  return entries.map((e) => (/^https?:\/\//.test(e) ? new ModelUrl(e) : new ModelDirectory(path.resolve(e))));
}

/**
 * The first model among `sources` whose weights hash, with the task's spec, to `commitment`.
 * Models that fail the check are skipped (and named in the error if none passes).
 */
export async function findModel(
  sources: readonly ModelSource[],
  spec: ModelSpec,
  commitment: string,
  paramCount: number,
): Promise<{ weights: Float32Array; source: string }> {
  const tried: string[] = [];
  for (const source of sources) {
    let file: Partial<ModelFile> | undefined;
    try {
      file = (await source.fetch(commitment)) as Partial<ModelFile> | undefined;
    } catch (error) {
      tried.push(`${source.name} (${(error as Error).message})`);
      continue;
    }
    if (!file) {
      tried.push(`${source.name} (not there)`);
      continue;
    }
    const weights = Float32Array.from(file.weights ?? []);
    if (weights.length === paramCount && modelCommitment(spec, weights) === commitment) {
      return { weights, source: source.name };
    }
    tried.push(`${source.name} (its model does not hash to the commitment: ignored)`);
  }
  throw new Error(
    `no model source has the global model ${commitment}: tried ${tried.join(", ") || "none"}. Ask the owner or a ` +
      `participant for it (their .flufhe/models directory, or flufhe serve-models) and pass --models <dir|url>`,
  );
}
