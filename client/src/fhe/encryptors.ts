/**
 * What an encryption worker thread builds for itself: a recipe (plain data that crosses to the
 * thread) and the per-input function it opens from it. fhEVM instances hold WASM state that cannot
 * be shared between threads, so every worker connects its own. Node only.
 */
import { JsonRpcProvider } from "ethers";
import { MOCK_CHAIN_ID, connectMockFhevm } from "./mock";
import { connectRelayerFhevm } from "./relayer";
import { localProver, type LocalTfheKeys } from "./localTfhe";
import { encryptInput, type EncryptedInput, type InputJob } from "./encrypt";

export type EncryptorRecipe =
  /** A local Hardhat node in mock mode (no TFHE work: the node's mock relayer answers). */
  | { kind: "fhevm-mock"; rpcUrl: string }
  /** Sepolia or mainnet through Zama's relayer: the SDK's own TFHE WASM and keys fetched from the relayer. */
  | { kind: "fhevm-relayer"; chainId: number; rpcUrl: string; apiKey?: string }
  /** Real TFHE encryption and proof with locally made keys and no network (benchmark, tests). */
  | { kind: "tfhe-local"; keys: Pick<LocalTfheKeys, "publicKey" | "crs">; acl: string; chainId: number };

/** The recipe for a node's network: what `openNetwork` connected to, rebuilt in each worker. */
export function networkRecipe(chainId: number, rpcUrl: string, apiKey?: string): EncryptorRecipe {
  return chainId === MOCK_CHAIN_ID
    ? { kind: "fhevm-mock", rpcUrl }
    : { kind: "fhevm-relayer", chainId, rpcUrl, ...(apiKey ? { apiKey } : {}) };
}

/** A `tfhe-local` worker's answer: the proven ciphertext list a relayer would verify. */
export interface ProvenInput {
  provenList: Uint8Array;
}

/** Opens the recipe in the calling thread and returns what encrypts one input (up to 16 words). */
export async function openEncryptor(
  recipe: EncryptorRecipe,
): Promise<(job: InputJob) => Promise<EncryptedInput | ProvenInput>> {
  if (recipe.kind === "tfhe-local") {
    const prove = localProver(recipe.keys);
    return async (job) => ({ provenList: prove(job.words, { ...job, acl: recipe.acl, chainId: recipe.chainId }) });
  }
  // No read provider for the relayer: it only meters HCU, which a worker never does.
  const { instance } =
    recipe.kind === "fhevm-mock"
      ? await connectMockFhevm(new JsonRpcProvider(recipe.rpcUrl, undefined, { staticNetwork: true }))
      : await connectRelayerFhevm({ chainId: recipe.chainId, network: recipe.rpcUrl, apiKey: recipe.apiKey });
  return (job) => encryptInput(instance, job);
}
