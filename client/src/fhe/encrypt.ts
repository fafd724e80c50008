import { hexlify } from "ethers";
import { WORDS_PER_PROOF } from "../codec/layout";
import type { FheInstance } from "./instance";

/** Encrypted words ready for `submitChunk`: word i is covered by proof floor(i / 16). */
export interface EncryptedChunk {
  handles: string[];
  proofs: string[];
  /** Time spent encrypting, summed over the chunk's inputs (in parallel inputs overlap: not wall time). */
  encryptMs?: number;
}

/** One input: up to 16 packed euint128 words for `contract`, bound to `user` (the submitting account). */
export interface InputJob {
  contract: string;
  user: string;
  words: readonly bigint[];
}

/** One encrypted input: its words' handles and the input proof that covers them. */
export interface EncryptedInput {
  handles: string[];
  inputProof: string;
}

/** Whatever encrypts a chunk's words: the instance on this thread, or a pool of worker threads. */
export interface WordEncryptor {
  /** Threads encrypting in parallel; absent: the caller's own thread, one input at a time. */
  readonly threads?: number;
  /** `label` names the chunk in errors ("chunk 3"). */
  encryptWords(contract: string, user: string, words: readonly bigint[], label: string): Promise<EncryptedChunk>;
}

// ethers' hexlify (lower-case 0x...), not Buffer: the browser's participant view encrypts too.
const toHex = (bytes: Uint8Array): string => hexlify(bytes);

/** Encrypts one input (at most 16 words, 2048 bits: the protocol's maximum per proof). */
export async function encryptInput(instance: FheInstance, job: InputJob): Promise<EncryptedInput> {
  const input = instance.createEncryptedInput(job.contract, job.user);
  for (const word of job.words) input.add128(word);
  const encrypted = await input.encrypt();
  return { handles: encrypted.handles.map(toHex), inputProof: toHex(encrypted.inputProof) };
}

/** Splits a chunk's words into inputs of at most 16 words, in order. */
export function inputsOf(contract: string, user: string, words: readonly bigint[]): InputJob[] {
  const inputs: InputJob[] = [];
  for (let first = 0; first < words.length; first += WORDS_PER_PROOF)
    inputs.push({ contract, user, words: words.slice(first, first + WORDS_PER_PROOF) });
  return inputs;
}

/** Joins a chunk's encrypted inputs (in order) into what `submitChunk` takes. */
export function chunkOf(inputs: readonly EncryptedInput[], encryptMs?: number): EncryptedChunk {
  return {
    handles: inputs.flatMap((i) => i.handles),
    proofs: inputs.map((i) => i.inputProof),
    ...(encryptMs === undefined ? {} : { encryptMs }),
  };
}

/**
 * Encrypts packed euint128 words for `contract`, bound to `user`, in batches of 16 words per input
 * proof, one after the other on this thread.
 */
export async function encryptWords(
  instance: FheInstance,
  contract: string,
  user: string,
  words: readonly bigint[],
): Promise<EncryptedChunk> {
  const t0 = performance.now();
  const encrypted: EncryptedInput[] = [];
  for (const job of inputsOf(contract, user, words)) encrypted.push(await encryptInput(instance, job));
  return chunkOf(encrypted, performance.now() - t0);
}

/** The instance on this thread as a `WordEncryptor` (tests, the in-process Hardhat plugin, the mock devnet). */
export function inProcessEncryptor(instance: FheInstance): WordEncryptor {
  return { encryptWords: (contract, user, words) => encryptWords(instance, contract, user, words) };
}
