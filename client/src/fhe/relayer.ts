/**
 * The one way to reach Zama's relayer and KMS on a live chain (Sepolia, mainnet) with
 * `@zama-fhe/relayer-sdk`, from Node (its node build) or a browser (its web build and wasm; the web
 * app aliases both entry points to its loader shim).
 */
import type { JsonRpcApiProvider } from "ethers";
import type { FheInstance, FhevmConnection } from "./instance";
import { hostHcuMeter, relayerConfigName } from "./meter";

/** The part of an EIP-1193 provider (an injected wallet) the relayer SDK needs. */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | Record<string, unknown> }): Promise<unknown>;
}

type RelayerSdk = Pick<
  typeof import("@zama-fhe/relayer-sdk/node"),
  "createInstance" | "SepoliaConfig" | "MainnetConfig"
>;

let sdkReady: Promise<RelayerSdk> | undefined;

/**
 * Loads the relayer SDK once. In a browser this also initialises its wasm (TFHE + TKMS, no worker
 * threads), which the mock instance's user decryption needs too.
 */
export function loadRelayerSdk(): Promise<RelayerSdk> {
  sdkReady ??= !("window" in globalThis)
    ? import("@zama-fhe/relayer-sdk/node")
    : import("@zama-fhe/relayer-sdk/web").then(async (sdk) => {
        await sdk.initSDK({ thread: 0 });
        return sdk as unknown as RelayerSdk;
      });
  sdkReady.catch(() => {
    sdkReady = undefined; // let a later call retry
  });
  return sdkReady;
}

/**
 * A relayer-SDK connection: `network` is the chain's RPC URL (Node) or the wallet (browser). HCU is
 * metered from the host contracts when `readProvider` can read them, otherwise `hcuOf` returns NaN.
 * `apiKey`, when given, is sent to the relayer.
 */
export async function connectRelayerFhevm(args: {
  chainId: number;
  network: string | Eip1193Provider;
  readProvider?: JsonRpcApiProvider;
  apiKey?: string;
}): Promise<FhevmConnection> {
  const sdk = await loadRelayerSdk();
  const config = sdk[relayerConfigName(args.chainId)];
  const instance = await sdk.createInstance({
    ...config,
    network: args.network,
    ...(args.apiKey ? { auth: { __type: "ApiKeyHeader", header: "x-api-key", value: args.apiKey } } : {}),
  } as Parameters<RelayerSdk["createInstance"]>[0]);
  const meter = args.readProvider
    ? await hostHcuMeter(args.readProvider, config.aclContractAddress, config.kmsContractAddress)
    : undefined;
  return { instance: instance as FheInstance, chainId: args.chainId, hcuOf: meter ?? (() => Number.NaN) };
}
