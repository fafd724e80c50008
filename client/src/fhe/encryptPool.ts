/**
 * A participant's encryption on worker threads: each thread holds its own encryptor (encryptors.ts)
 * and takes the next 16-word input as soon as it is free, so a chunk's inputs and the next chunks'
 * inputs are proved in parallel while the main thread submits what is ready. Memory: every thread
 * holds its own TFHE WASM instance, public key and CRS (`npm run bench:encrypt` measures it;
 * docs/cost-and-benchmarks.md). Node only.
 */
import path from "node:path";
import { chunkOf, inputsOf, type EncryptedInput, type InputJob, type WordEncryptor } from "./encrypt";
import type { EncryptorRecipe, ProvenInput } from "./encryptors";
import { WorkerPool } from "./workerPool";

/** Threads a participant encrypts with by default: all cores but one (left for the node and its I/O), at least 1. */
export function defaultEncryptThreads(cores: number): number {
  return Math.max(1, Math.floor(cores) - 1);
}

/** Parses `--encrypt-threads`: a positive integer. */
export function parseEncryptThreads(text: string): number {
  const threads = Number(text);
  if (!Number.isInteger(threads) || threads < 1)
    throw new Error(`--encrypt-threads must be a positive integer (worker threads that encrypt), got "${text}"`);
  return threads;
}

const WORKER_ENTRY = path.join(__dirname, `encryptWorker${path.extname(__filename)}`);

export class EncryptPool implements WordEncryptor {
  private readonly pool: WorkerPool;

  /** Starts `threads` worker threads, each opening `recipe` (connecting, loading keys) on its own. */
  constructor(
    readonly recipe: EncryptorRecipe,
    threads: number,
  ) {
    this.pool = new WorkerPool({ entry: WORKER_ENTRY, init: recipe, threads, name: "encryption worker" });
  }

  get threads(): number {
    return this.pool.threads;
  }

  /** Encrypts one input on the next free thread. */
  async encryptInput(job: InputJob, label: string): Promise<{ value: EncryptedInput | ProvenInput; ms: number }> {
    return this.pool.run<EncryptedInput | ProvenInput>(job, label);
  }

  /** All of a chunk's inputs at once (they spread over the free threads), joined in order. */
  async encryptWords(contract: string, user: string, words: readonly bigint[], label: string) {
    if (this.recipe.kind === "tfhe-local")
      throw new Error("a tfhe-local pool makes proven lists for measurement, not submittable chunks");
    const inputs = inputsOf(contract, user, words);
    const done = await Promise.all(
      inputs.map((job, i) => this.encryptInput(job, `${label}, input ${i + 1} of ${inputs.length}`)),
    );
    return chunkOf(
      done.map((d) => d.value as EncryptedInput),
      done.reduce((sum, d) => sum + d.ms, 0),
    );
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
