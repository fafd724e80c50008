/**
 * A participant's encryption on worker threads: each thread holds its own encryptor (encryptors.ts)
 * and takes the next 16-word input as soon as it is free, so a chunk's inputs and the next chunks'
 * inputs are proved in parallel while the main thread submits what is ready. Memory: every thread
 * holds its own TFHE WASM instance, public key and CRS (`npm run bench:encrypt` measures it;
 * docs/cost-and-benchmarks.md). Node only.
 */
import { availableParallelism } from "node:os";
import path from "node:path";
import { chunkOf, inputsOf, type EncryptedInput, type InputJob, type WordEncryptor } from "./encrypt";
import { networkRecipe, type EncryptorRecipe, type ProvenInput } from "./encryptors";
import { MOCK_CHAIN_ID } from "./mock";
import { defaultEncryptThreads } from "../protocol/clientCost";
import { WorkerPool } from "./workerPool";

const WORKER_ENTRY = path.join(__dirname, `encryptWorker${path.extname(__filename)}`);

export class EncryptPool implements WordEncryptor {
  private pool?: WorkerPool;

  /**
   * `threads` worker threads, each opening `recipe` (connecting, loading keys) on its own, started at
   * the first input: a node waiting for its round holds no encryptor memory.
   */
  constructor(
    readonly recipe: EncryptorRecipe,
    readonly threads: number,
  ) {
    // Checked now: the threads themselves start only at the first input.
    if (!Number.isInteger(threads) || threads < 1)
      throw new Error(`encryption threads must be a positive integer, got ${threads}`);
  }

  /** Starts the threads now (a benchmark that times inputs, not start-up). */
  start(): this {
    this.pool ??= new WorkerPool({
      entry: WORKER_ENTRY,
      init: this.recipe,
      threads: this.threads,
      name: "encryption worker",
    });
    return this;
  }

  /** Starts the threads and waits until each has opened the recipe. */
  ready(): Promise<void> {
    return this.start().pool!.ready();
  }

  /** Encrypts one input on the next free thread. */
  async encryptInput(job: InputJob, label: string): Promise<{ value: EncryptedInput | ProvenInput; ms: number }> {
    return this.start().pool!.run<EncryptedInput | ProvenInput>(job, label);
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

  async close(): Promise<void> {
    await this.pool?.close();
  }
}

/** How a participant process encrypts, and the line it logs about it. */
export interface ParticipantEncryption {
  /** Undefined: in-process (the instance on the main thread). */
  encryptor?: EncryptPool;
  description: string;
  close(): Promise<void>;
}

/**
 * A participant's encryption for a network: on a real network a pool of `threads` worker threads
 * (default: the cores but one); on the mock devnet in-process unless threads are asked for, since
 * the mock does no TFHE work and a thread per participant process would only add memory.
 */
export function participantEncryption(
  network: { chainId: number; url: string; apiKey?: string },
  threads?: number,
): ParticipantEncryption {
  if (network.chainId === MOCK_CHAIN_ID && threads === undefined)
    return {
      description: "encrypting in-process: the mock devnet does no TFHE work (--encrypt-threads n for a worker pool)",
      close: async () => undefined,
    };
  const n = threads ?? defaultEncryptThreads(availableParallelism());
  const encryptor = new EncryptPool(networkRecipe(network.chainId, network.url, network.apiKey), n);
  return {
    encryptor,
    description: `encrypting on ${n} worker thread${n === 1 ? "" : "s"}${threads === undefined ? " (cores - 1)" : ""}`,
    close: () => encryptor.close(),
  };
}
