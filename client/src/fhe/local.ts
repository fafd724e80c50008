import type { TransactionReceipt } from "ethers";
import { connectProvider } from "../chain/rpc";
import { MockFhevmInstance, contracts, relayer } from "@fhevm/mock-utils";
import type { FheInstance } from "./instance";

type MockConfig = Parameters<typeof MockFhevmInstance.create>[2];

/** An fhEVM connection: the instance plus an HCU meter reading the coprocessor events of a receipt. */
export interface FhevmConnection {
  instance: FheInstance;
  chainId: number;
  /** Homomorphic complexity units a mined transaction consumed (from the FHEVMExecutor's events). */
  hcuOf(receipt: TransactionReceipt): number;
}

/**
 * Connects to a local Hardhat node running the fhEVM plugin (mock mode): reads the host contracts'
 * addresses from `fhevm_relayer_metadata` and their EIP-712 domains and signers from the chain, and
 * builds a MockFhevmInstance whose input proofs and decryptions the node's mock relayer serves.
 */
export async function connectLocalFhevm(rpcUrl: string): Promise<FhevmConnection> {
  const { provider } = await connectProvider(rpcUrl);
  let metadata: relayer.RelayerMetadata;
  try {
    metadata = await relayer.requestRelayerMetadata(provider);
  } catch (error) {
    throw new Error(
      `${rpcUrl} does not answer fhevm_relayer_metadata: is it a Hardhat node with the fhEVM plugin ` +
        `(npm run devnet)? (${(error as Error).message})`,
    );
  }
  const repository = await contracts.FhevmContractsRepository.create(provider, {
    aclContractAddress: metadata.ACLAddress as `0x${string}`,
    kmsContractAddress: metadata.KMSVerifierAddress as `0x${string}`,
  });
  const config = repository.getFhevmInstanceConfig({ chainId: metadata.chainId, relayerUrl: rpcUrl });
  const instance = await MockFhevmInstance.create(provider, provider, config as MockConfig, {
    inputVerifierProperties: repository.inputVerifier.inputVerifierProperties,
    kmsVerifierProperties: repository.kmsVerifier.kmsVerifierProperties,
  });
  return {
    instance: instance as unknown as FheInstance,
    chainId: metadata.chainId,
    hcuOf: (receipt) => repository.fhevmExecutor.computeTransactionHCU(receipt).globalHCU,
  };
}
