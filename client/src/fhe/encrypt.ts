import { hexlify } from "ethers";
import { WORDS_PER_PROOF } from "../codec/layout";
import type { FheInstance } from "./instance";

/** Encrypted words ready for `submitChunk`: word i is covered by proof floor(i / 16). */
export interface EncryptedChunk {
  handles: string[];
  proofs: string[];
}

// ethers' hexlify (lower-case 0x...), not Buffer: the browser's participant view encrypts too.
const toHex = (bytes: Uint8Array): string => hexlify(bytes);

/**
 * Encrypts packed euint128 words for `contract`, bound to `user` (the submitting account), in
 * batches of 16 words per input proof (2048 bits, the protocol's maximum).
 */
export async function encryptWords(
  instance: FheInstance,
  contract: string,
  user: string,
  words: readonly bigint[],
): Promise<EncryptedChunk> {
  const handles: string[] = [];
  const proofs: string[] = [];
  for (let first = 0; first < words.length; first += WORDS_PER_PROOF) {
    const input = instance.createEncryptedInput(contract, user);
    for (const word of words.slice(first, first + WORDS_PER_PROOF)) input.add128(word);
    const encrypted = await input.encrypt();
    handles.push(...encrypted.handles.map(toHex));
    proofs.push(toHex(encrypted.inputProof));
  }
  return { handles, proofs };
}
