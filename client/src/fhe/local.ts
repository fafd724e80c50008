import { connectProvider } from "../chain/rpc";
import { connectMockFhevm } from "./browser";
import type { FhevmConnection } from "./instance";

export type { FhevmConnection } from "./instance";

/**
 * Connects to a local Hardhat node running the fhEVM plugin (mock mode) by URL: the mock instance is
 * built from the node's `fhevm_relayer_metadata` and the host contracts (see `connectMockFhevm`).
 */
export async function connectLocalFhevm(rpcUrl: string): Promise<FhevmConnection> {
  const { provider } = await connectProvider(rpcUrl);
  try {
    return await connectMockFhevm(provider);
  } catch (error) {
    throw new Error(`${rpcUrl}: ${(error as Error).message} (start one with npm run devnet)`);
  }
}
