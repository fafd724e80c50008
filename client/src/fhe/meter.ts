import type { JsonRpcApiProvider, TransactionReceipt } from "ethers";

/** Chains where Zama's protocol runs behind the relayer, and the relayer SDK config for each. */
export const RELAYER_CHAINS: Record<number, "SepoliaConfig" | "MainnetConfig"> = {
  11155111: "SepoliaConfig",
  1: "MainnetConfig",
};

/** The relayer SDK config name of a chain, or a clear error for chains without the protocol. */
export function relayerConfigName(chainId: number): "SepoliaConfig" | "MainnetConfig" {
  const name = RELAYER_CHAINS[chainId];
  if (!name)
    throw new Error(`chain ${chainId} has no Zama fhEVM deployment known to FLuFHE (use 31337, Sepolia or mainnet)`);
  return name;
}

/**
 * Reads HCU from a receipt's FHEVMExecutor events, using the host contracts found through the ACL
 * and KMS verifier addresses. Undefined when the host contracts cannot be read (another version).
 */
export async function hostHcuMeter(
  provider: JsonRpcApiProvider,
  aclContractAddress: string,
  kmsContractAddress: string,
): Promise<((receipt: TransactionReceipt) => number) | undefined> {
  try {
    const { contracts } = await import("@fhevm/mock-utils");
    const repository = await contracts.FhevmContractsRepository.create(provider, {
      aclContractAddress: aclContractAddress as `0x${string}`,
      kmsContractAddress: kmsContractAddress as `0x${string}`,
    });
    return (receipt) => repository.fhevmExecutor.computeTransactionHCU(receipt).globalHCU;
  } catch {
    return undefined;
  }
}
