/**
 * The encryption worker pool with the real TFHE (the relayer SDK's node-tfhe), keys made once for
 * the file (~2-4 min on one core): two threads, inputs of different sizes, each answer in its job's
 * order and decrypting to exactly the word it was given (one word each: expanding a proven list on one
 * thread takes ~1 min per word here); a failing input named by its chunk.
 * Timings belong to `npm run bench:encrypt`, not here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EncryptPool } from "../../client/src/fhe/encryptPool";
import type { ProvenInput } from "../../client/src/fhe/encryptors";
import { localDecryptor, makeLocalTfheKeys, type LocalTfheKeys } from "../../client/src/fhe/localTfhe";

const binding = {
  contract: "0x" + "c0".repeat(20),
  user: "0x" + "a1".repeat(20),
};
const MAX = (1n << 128n) - 1n;

describe("encryption worker pool with real TFHE", () => {
  let keys: LocalTfheKeys;
  let pool: EncryptPool;
  beforeAll(() => {
    keys = makeLocalTfheKeys();
    pool = new EncryptPool(
      {
        kind: "tfhe-local",
        keys: { publicKey: keys.publicKey, crs: keys.crs },
        acl: "0x" + "ac".repeat(20),
        chainId: 11155111,
      },
      2,
    );
  }, 600_000);
  afterAll(() => pool?.close());

  it("proves inputs on two threads, in order, each decrypting to its own word", async () => {
    const inputs = [[MAX], [12345678901234567890123456789n]];
    const proven = await Promise.all(
      inputs.map((words, i) => pool.encryptInput({ ...binding, words }, `chunk ${i + 1}, input 1 of 1`)),
    );
    const decrypt = localDecryptor(keys.clientKey);
    expect(proven.map((p) => decrypt((p.value as ProvenInput).provenList))).toEqual(inputs);
  }, 600_000);

  it("names the chunk and input a worker failed on", async () => {
    const tooMany = Array.from({ length: 17 }, (_, i) => BigInt(i));
    await expect(pool.encryptInput({ ...binding, words: tooMany }, "chunk 5, input 2 of 3")).rejects.toThrow(
      /encryption worker \d failed on chunk 5, input 2 of 3: one input holds 1 to 16 words, got 17/,
    );
  }, 600_000);

  it("refuses to start with keys that are not keys, saying so", async () => {
    const broken = new EncryptPool(
      {
        kind: "tfhe-local",
        keys: { publicKey: new Uint8Array([1, 2, 3]), crs: keys.crs },
        acl: binding.user,
        chainId: 1,
      },
      1,
    );
    try {
      await expect(broken.encryptInput({ ...binding, words: [1n] }, "chunk 1, input 1 of 1")).rejects.toThrow(
        /encryption worker 1 could not start: /,
      );
    } finally {
      await broken.close();
    }
  }, 600_000);
});
