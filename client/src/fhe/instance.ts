import type { TransactionReceipt } from "ethers";
import type { FhevmInstance } from "@zama-fhe/relayer-sdk/node";

/**
 * The part of an fhEVM instance FLuFHE uses. `@zama-fhe/relayer-sdk` (Sepolia/mainnet),
 * `@fhevm/mock-utils`' MockFhevmInstance (a local node) and the Hardhat plugin's `fhevm` object
 * (in-process tests) all satisfy it, so the protocol code is written once.
 */
export type FheInstance = Pick<
  FhevmInstance,
  "createEncryptedInput" | "generateKeypair" | "createEIP712" | "userDecrypt" | "publicDecrypt"
>;

/** What signing a user-decryption request needs from a wallet (an ethers Signer fits). */
export interface TypedDataSigner {
  getAddress(): Promise<string>;
  signTypedData(
    domain: Record<string, unknown>,
    types: Record<string, Array<{ name: string; type: string }>>,
    message: Record<string, unknown>,
  ): Promise<string>;
}

/** An fhEVM connection: the instance plus an HCU meter reading the coprocessor events of a receipt. */
export interface FhevmConnection {
  instance: FheInstance;
  chainId: number;
  /** Homomorphic complexity units a mined transaction consumed (from the FHEVMExecutor's events). */
  hcuOf(receipt: TransactionReceipt): number;
}
