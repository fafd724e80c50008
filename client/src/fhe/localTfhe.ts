/**
 * The participant's side of a real-network encryption without a network: the relayer SDK's own TFHE
 * WASM (node-tfhe, the copy `@zama-fhe/relayer-sdk/node` loads), keys made locally by the SDK's
 * `createTfheKeypair` (Sepolia/mainnet's parameter sets) and the SDK's call sequence for one input:
 * `CompactCiphertextList.builder(pk)`, one `push_u128` per word, `build_with_proof_packed(crs,
 * metadata, ZkComputeLoad.Verify)`, `safe_serialize`. What a relayer would then verify and sign is
 * network work, left out. Used by `npm run bench:encrypt` and the worker-pool tests. Node only.
 */
import { createRequire } from "node:module";
import { getBytes, toBeHex, zeroPadValue } from "ethers";
import { WORDS_PER_PROOF } from "../codec/layout";

interface TfheObject {
  safe_serialize(limit: bigint): Uint8Array;
}
interface Expander {
  len(): number;
  get_uint128(index: number): { decrypt(key: unknown): bigint };
}
interface NodeTfhe {
  CompactCiphertextList: {
    builder(pk: unknown): {
      push_u128(value: bigint): void;
      build_with_proof_packed(crs: unknown, metadata: Uint8Array, load: unknown): TfheObject;
    };
  };
  ProvenCompactCiphertextList: {
    safe_deserialize(bytes: Uint8Array, limit: bigint): { expand_without_verification(): Expander };
  };
  TfheCompactPublicKey: { safe_deserialize(bytes: Uint8Array, limit: bigint): unknown };
  CompactPkeCrs: { safe_deserialize(bytes: Uint8Array, limit: bigint): unknown };
  TfheClientKey: { safe_deserialize(bytes: Uint8Array, limit: bigint): unknown };
  TfheServerKey: { "new"(clientKey: unknown): unknown };
  set_server_key(key: unknown): void;
  ZkComputeLoad: { Verify: unknown };
}
interface RelayerSdkNode {
  createTfheKeypair(): { clientKey: TfheObject; publicKey: TfheObject; crs: TfheObject };
}

/** The SDK's serialization limit (512 MiB) for keys, CRS and ciphertexts alike. */
const SIZE_LIMIT = BigInt(512 * 2 ** 20);

const sdkRequire = () => createRequire(createRequire(__filename).resolve("@zama-fhe/relayer-sdk/node"));
let tfhe: NodeTfhe | undefined;
/** The SDK's own node-tfhe (the module createInstance encrypts with), loaded once per thread. */
export const nodeTfhe = (): NodeTfhe => (tfhe ??= sdkRequire()("node-tfhe") as NodeTfhe);

/** Locally made keys, serialized so they can cross to worker threads. */
export interface LocalTfheKeys {
  publicKey: Uint8Array;
  crs: Uint8Array;
  /** Only for checking ciphertexts in tests; never leaves the machine that made it. */
  clientKey: Uint8Array;
}

/** A client key, compact public key and 2048-bit CRS with the SDK's parameters (~2 min on one core). */
export function makeLocalTfheKeys(): LocalTfheKeys {
  const sdk = createRequire(__filename)("@zama-fhe/relayer-sdk/node") as RelayerSdkNode;
  const { clientKey, publicKey, crs } = sdk.createTfheKeypair();
  return {
    publicKey: publicKey.safe_serialize(SIZE_LIMIT),
    crs: crs.safe_serialize(SIZE_LIMIT),
    clientKey: clientKey.safe_serialize(SIZE_LIMIT),
  };
}

/** What an input is bound to: the SDK's proof metadata (contract, user, ACL, chain id). */
export interface InputBinding {
  contract: string;
  user: string;
  acl: string;
  chainId: number;
}

/** The SDK's 92 metadata bytes: contract, user and ACL addresses (20 bytes each), chain id (32). */
export function proofMetadata(b: InputBinding): Uint8Array {
  const metadata = new Uint8Array(92);
  metadata.set(getBytes(b.contract), 0);
  metadata.set(getBytes(b.user), 20);
  metadata.set(getBytes(b.acl), 40);
  metadata.set(getBytes(zeroPadValue(toBeHex(b.chainId), 32)), 60);
  return metadata;
}

/** Encrypts up to 16 words under `keys` (public key and CRS) with their ZK proof, as the SDK does. */
export type LocalProver = (words: readonly bigint[], binding: InputBinding) => Uint8Array;

/** Deserializes the public key and CRS once (per thread) and returns the prover. */
export function localProver(keys: Pick<LocalTfheKeys, "publicKey" | "crs">): LocalProver {
  const t = nodeTfhe();
  const publicKey = t.TfheCompactPublicKey.safe_deserialize(keys.publicKey, SIZE_LIMIT);
  const crs = t.CompactPkeCrs.safe_deserialize(keys.crs, SIZE_LIMIT);
  return (words, binding) => {
    if (words.length === 0 || words.length > WORDS_PER_PROOF)
      throw new Error(`one input holds 1 to ${WORDS_PER_PROOF} words, got ${words.length}`);
    const builder = t.CompactCiphertextList.builder(publicKey);
    for (const word of words) builder.push_u128(word);
    return builder
      .build_with_proof_packed(crs, proofMetadata(binding), t.ZkComputeLoad.Verify)
      .safe_serialize(SIZE_LIMIT);
  };
}

/**
 * Decrypts a proven list made by `localProver` with the client key (tests only: the expansion
 * needs a server key, ~10 s and ~250 MB to make, made once per thread).
 */
export function localDecryptor(clientKeyBytes: Uint8Array): (provenList: Uint8Array) => bigint[] {
  const t = nodeTfhe();
  const clientKey = t.TfheClientKey.safe_deserialize(clientKeyBytes, SIZE_LIMIT);
  t.set_server_key(t.TfheServerKey.new(clientKey));
  return (provenList) => {
    const expander = t.ProvenCompactCiphertextList.safe_deserialize(
      provenList,
      SIZE_LIMIT,
    ).expand_without_verification();
    return Array.from({ length: expander.len() }, (_, i) => expander.get_uint128(i).decrypt(clientKey));
  };
}
