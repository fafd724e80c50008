import type { JsonRpcApiProvider, TransactionReceipt } from "ethers";
import type { FheInstance, FhevmConnection } from "./instance";
import { hostHcuMeter, relayerConfigName } from "./meter";

/** Chain id of a local Hardhat node: the fhEVM runs in mock mode there. */
export const MOCK_CHAIN_ID = 31337;

/** The part of an EIP-1193 provider (an injected wallet) the relayer SDK needs. */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | Record<string, unknown> }): Promise<unknown>;
}

let sdkReady: Promise<typeof import("@zama-fhe/relayer-sdk/web")> | undefined;

/**
 * Loads the relayer SDK's web build and its wasm (TFHE + TKMS), once. A browser app aliases
 * `@zama-fhe/relayer-sdk/node` (imported by `@fhevm/mock-utils`) to the web build, so the mock
 * instance's `generateKeypair` (user decryption) needs this first too. No worker threads.
 */
export function initRelayerSdk(): Promise<typeof import("@zama-fhe/relayer-sdk/web")> {
  sdkReady ??= import("@zama-fhe/relayer-sdk/web").then(async (sdk) => {
    await sdk.initSDK({ thread: 0 });
    return sdk;
  });
  sdkReady.catch(() => {
    sdkReady = undefined; // let a later call retry
  });
  return sdkReady;
}

/**
 * A mock-mode fhEVM connection over any ethers JSON-RPC provider (a `JsonRpcProvider` to the node, or
 * a `BrowserProvider` over a wallet that forwards `fhevm_*` calls): host contract addresses from
 * `fhevm_relayer_metadata`, their EIP-712 domains and signers from the chain; the node's mock relayer
 * serves input proofs and decryptions. In a browser, call `initRelayerSdk()` before user decryption.
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
  return connection(
    instance as unknown as FheInstance,
    metadata.chainId,
    (receipt) => repository.fhevmExecutor.computeTransactionHCU(receipt).globalHCU,
  );
}

/** HCU is NaN where the host contracts could not be read. */
function connection(
  instance: FheInstance,
  chainId: number,
  meter: ((receipt: TransactionReceipt) => number) | undefined,
): FhevmConnection {
  return { instance, chainId, hcuOf: meter ?? (() => Number.NaN) };
}

/**
 * A relayer-SDK connection for a live chain (Sepolia or mainnet): the SDK talks to Zama's relayer and
 * KMS, the wallet provides the chain. HCU is metered from the host contracts when they can be read,
 * otherwise `hcuOf` returns NaN.
 */
export async function connectRelayerFhevm(
  network: Eip1193Provider,
  chainId: number,
  readProvider?: JsonRpcApiProvider,
): Promise<FhevmConnection> {
  const sdk = await initRelayerSdk();
  const config = sdk[relayerConfigName(chainId)];
  const instance = await sdk.createInstance({ ...config, network });
  const meter = readProvider
    ? await hostHcuMeter(readProvider, config.aclContractAddress, config.kmsContractAddress)
    : undefined;
  return connection(instance as unknown as FheInstance, chainId, meter);
}

/** The mock instance on the local devnet (31337), the relayer SDK elsewhere. */
export async function connectBrowserFhevm(args: {
  chainId: number;
  readProvider: JsonRpcApiProvider;
  wallet?: Eip1193Provider;
}): Promise<FhevmConnection> {
  if (args.chainId === MOCK_CHAIN_ID) return connectMockFhevm(args.readProvider);
  if (!args.wallet) throw new Error(`chain ${args.chainId} needs a connected wallet for the fhEVM relayer`);
  return connectRelayerFhevm(args.wallet, args.chainId, args.readProvider);
}
