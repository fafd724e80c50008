import type { JsonRpcApiProvider } from "ethers";
import type { FheInstance, FhevmConnection } from "./instance";

/** Chain id of a local Hardhat node: the fhEVM runs in mock mode there. */
export const MOCK_CHAIN_ID = 31337;

/**
 * A mock-mode fhEVM connection over any ethers JSON-RPC provider (a `JsonRpcProvider` to the node, or
 * a `BrowserProvider` over a wallet that forwards `fhevm_*` calls): host contract addresses from
 * `fhevm_relayer_metadata`, their EIP-712 domains and signers from the chain; the node's mock relayer
 * serves input proofs and decryptions. In a browser, call `loadRelayerSdk()` (fhe/relayer.ts) before user decryption.
 */
export async function connectMockFhevm(provider: JsonRpcApiProvider): Promise<FhevmConnection> {
  const { MockFhevmInstance, contracts, relayer } = await import("@fhevm/mock-utils");
  let metadata: Awaited<ReturnType<typeof relayer.requestRelayerMetadata>>;
  try {
    metadata = await relayer.requestRelayerMetadata(provider);
  } catch (error) {
    throw new Error(
      `the node does not answer fhevm_relayer_metadata: is it a Hardhat node with the fhEVM plugin? ` +
        `(${(error as Error).message})`,
    );
  }
  const repository = await contracts.FhevmContractsRepository.create(provider, {
    aclContractAddress: metadata.ACLAddress as `0x${string}`,
    kmsContractAddress: metadata.KMSVerifierAddress as `0x${string}`,
  });
  const config = repository.getFhevmInstanceConfig({ chainId: metadata.chainId, relayerUrl: "" });
  const instance = await MockFhevmInstance.create(
    provider,
    provider,
    config as Parameters<typeof MockFhevmInstance.create>[2],
    {
      inputVerifierProperties: repository.inputVerifier.inputVerifierProperties,
      kmsVerifierProperties: repository.kmsVerifier.kmsVerifierProperties,
    },
  );
  return {
    instance: instance as unknown as FheInstance,
    chainId: metadata.chainId,
    hcuOf: (receipt) => repository.fhevmExecutor.computeTransactionHCU(receipt).globalHCU,
  };
}
