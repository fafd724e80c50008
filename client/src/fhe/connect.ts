import { connectProvider, rpcCall } from "../chain/rpc";
import { hostHcuMeter, relayerConfigName } from "./meter";
import type { FheInstance } from "./instance";
import { connectLocalFhevm, type FhevmConnection } from "./local";

/**
 * One entry point for every network: a local Hardhat node (chain 31337) gets the mock instance
 * served by the node; Sepolia and mainnet get `@zama-fhe/relayer-sdk` talking to Zama's relayer.
 * `ZAMA_FHEVM_API_KEY`, when set, is sent to the relayer.
 */
export async function connectFhevm(rpcUrl: string): Promise<FhevmConnection> {
  const chainId = Number(await rpcCall<string>(rpcUrl, "eth_chainId"));
  if (chainId === 31337) return connectLocalFhevm(rpcUrl);
  const configName = relayerConfigName(chainId);
  const sdk = await import("@zama-fhe/relayer-sdk/node");
  const apiKey = process.env.ZAMA_FHEVM_API_KEY?.trim();
  const instance = await sdk.createInstance({
    ...sdk[configName],
    network: rpcUrl,
    ...(apiKey ? { auth: { __type: "ApiKeyHeader", header: "x-api-key", value: apiKey } } : {}),
  } as Parameters<typeof sdk.createInstance>[0]);
  const { provider } = await connectProvider(rpcUrl);
  const meter = await hostHcuMeter(provider, sdk[configName].aclContractAddress, sdk[configName].kmsContractAddress);
  return { instance: instance as FheInstance, chainId, hcuOf: meter ?? (() => Number.NaN) };
}
