import { WORDS_PER_DECRYPTION } from "../codec/layout";
import type { FheInstance, TypedDataSigner } from "./instance";

/** Days a user-decryption signature stays valid. */
const VALIDITY_DAYS = 1;

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function clearAsBigint(value: unknown, handle: string): bigint {
  if (typeof value !== "bigint") throw new Error(`decryption of ${handle} returned ${typeof value}, expected a number`);
  return value;
}

/**
 * User-decrypts euint128 handles the signer was granted (ACL) on `contract`: one EIP-712 signature
 * over a fresh keypair, then requests of at most 16 handles (2048 bits) each.
 */
export async function userDecryptWords(
  instance: FheInstance,
  signer: TypedDataSigner,
  contract: string,
  handles: readonly string[],
): Promise<bigint[]> {
  const user = await signer.getAddress();
  const keypair = instance.generateKeypair();
  const start = Math.floor(Date.now() / 1000);
  const eip712 = instance.createEIP712(keypair.publicKey, [contract], start, VALIDITY_DAYS);
  const signature = await signer.signTypedData(
    eip712.domain as unknown as Record<string, unknown>,
    { UserDecryptRequestVerification: [...eip712.types.UserDecryptRequestVerification] },
    eip712.message as unknown as Record<string, unknown>,
  );
  const out: bigint[] = [];
  for (const batch of batches(handles, WORDS_PER_DECRYPTION)) {
    const clear = await instance.userDecrypt(
      batch.map((handle) => ({ handle, contractAddress: contract })),
      keypair.privateKey,
      keypair.publicKey,
      signature,
      [contract],
      user,
      start,
      VALIDITY_DAYS,
    );
    out.push(...batch.map((h) => clearAsBigint(clear[h as `0x${string}`], h)));
  }
  return out;
}

/** One publicly decrypted batch: the values plus what `publishClearAggregate` verifies on-chain. */
export interface PublicBatch {
  values: bigint[];
  abiEncodedClearValues: string;
  decryptionProof: string;
}

/** Public-decrypts handles in batches of 16 (the order of each batch is the order the proof binds). */
export async function publicDecryptWords(instance: FheInstance, handles: readonly string[]): Promise<PublicBatch[]> {
  const out: PublicBatch[] = [];
  for (const batch of batches(handles, WORDS_PER_DECRYPTION)) {
    const result = await instance.publicDecrypt(batch);
    out.push({
      values: batch.map((h) => clearAsBigint(result.clearValues[h as `0x${string}`], h)),
      abiEncodedClearValues: result.abiEncodedClearValues,
      decryptionProof: result.decryptionProof,
    });
  }
  return out;
}
