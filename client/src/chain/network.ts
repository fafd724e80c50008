import type { JsonRpcProvider } from "ethers";
import { connectFhevm } from "../fhe/connect";
import type { FhevmConnection } from "../fhe/instance";
import { connectProvider } from "./rpc";

/** A node and its fhEVM: one provider for reads, sends and the mock relayer, closed in one call. */
export interface Network {
  url: string;
  chainId: number;
  provider: JsonRpcProvider;
  fhevm: FhevmConnection;
  /** Sent to Zama's relayer (`ZAMA_FHEVM_API_KEY`), also by encryption worker threads. */
  apiKey?: string;
  /** Closes the provider (its polling timers keep a Node process alive otherwise). */
  close(): void;
}

/**
 * Connects to a node by URL: a local Hardhat node (chain 31337) with the fhEVM plugin, or Sepolia /
 * mainnet through Zama's relayer (`ZAMA_FHEVM_API_KEY`, when set, is sent to the relayer).
 */
export async function openNetwork(url: string): Promise<Network> {
  const { provider, chainId } = await connectProvider(url);
  const apiKey = process.env.ZAMA_FHEVM_API_KEY?.trim() || undefined;
  try {
    const fhevm = await connectFhevm({ chainId, readProvider: provider, network: url, apiKey });
    return { url, chainId, provider, fhevm, apiKey, close: () => provider.destroy() };
  } catch (error) {
    provider.destroy();
    throw new Error(
      `${url}: ${(error as Error).message}${chainId === 31337 ? " (start one with npm run devnet)" : ""}`,
    );
  }
}
