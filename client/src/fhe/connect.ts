import type { JsonRpcApiProvider } from "ethers";
import type { FhevmConnection } from "./instance";
import { MOCK_CHAIN_ID, connectMockFhevm } from "./mock";
import { connectRelayerFhevm, type Eip1193Provider } from "./relayer";

/**
 * One entry point for every network: a local Hardhat node (chain 31337) gets the mock instance served
 * by the node; Sepolia and mainnet get `@zama-fhe/relayer-sdk` talking to Zama's relayer, over
 * `network` (the RPC URL in Node, the wallet in a browser).
 */
export async function connectFhevm(args: {
  chainId: number;
  readProvider: JsonRpcApiProvider;
  network?: string | Eip1193Provider;
  apiKey?: string;
}): Promise<FhevmConnection> {
  if (args.chainId === MOCK_CHAIN_ID) return connectMockFhevm(args.readProvider);
  if (!args.network) throw new Error(`chain ${args.chainId} needs an RPC URL or a connected wallet for the relayer`);
  return connectRelayerFhevm({ ...args, network: args.network });
}
