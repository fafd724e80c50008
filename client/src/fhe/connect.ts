import { connectProvider, rpcCall } from "../chain/rpc";
import { contracts } from "@fhevm/mock-utils";
import type { FheInstance } from "./instance";
import { connectLocalFhevm, type FhevmConnection } from "./local";

/** Chains with Zama's protocol: the relayer SDK's configuration for each. */
const LIVE_CHAINS: Record<number, "SepoliaConfig" | "MainnetConfig"> = {
  11155111: "SepoliaConfig",
  1: "MainnetConfig",
};

/**
 * One entry point for every network: a local Hardhat node (chain 31337) gets the mock instance
 * served by the node; Sepolia and mainnet get `@zama-fhe/relayer-sdk` talking to Zama's relayer.
 * `ZAMA_FHEVM_API_KEY`, when set, is sent to the relayer.
 */
export async function connectFhevm(rpcUrl: string): Promise<FhevmConnection> {
  const chainId = Number(await rpcCall<string>(rpcUrl, "eth_chainId"));
  if (chainId === 31337) return connectLocalFhevm(rpcUrl);
  const configName = LIVE_CHAINS[chainId];
  if (!configName)
    throw new Error(`chain ${chainId} has no Zama fhEVM deployment known to FLuFHE (use 31337, Sepolia or mainnet)`);

  const sdk = await import("@zama-fhe/relayer-sdk/node");
  const apiKey = process.env.ZAMA_FHEVM_API_KEY?.trim();
  const instance = await sdk.createInstance({
    ...sdk[configName],
    network: rpcUrl,
    ...(apiKey ? { auth: { __type: "ApiKeyHeader", header: "x-api-key", value: apiKey } } : {}),
  } as Parameters<typeof sdk.createInstance>[0]);
  const { provider: readProvider } = await connectProvider(rpcUrl);
  const repository = await contracts.FhevmContractsRepository.create(readProvider, {
    aclContractAddress: sdk[configName].aclContractAddress as `0x${string}`,
    kmsContractAddress: sdk[configName].kmsContractAddress as `0x${string}`,
  });
  return {
    instance: instance as FheInstance,
    chainId,
    hcuOf: (receipt) => repository.fhevmExecutor.computeTransactionHCU(receipt).globalHCU,
  };
}
