/**
 * The participant's encryption worker (new Worker(new URL("./encryptWorker.ts", import.meta.url))): every
 * chunk's ciphertexts and input proofs are built here, never on the page's thread. Its own fhEVM
 * instance reads the chain through the app's same-origin /api/rpc: the mock instance on the local devnet,
 * the relayer SDK's web bundle elsewhere (from this app's /relayer-sdk/ route), whose WASM runs on a
 * thread pool (wasm-bindgen-rayon: nested workers from /workerHelpers.js) when this worker is
 * cross-origin isolated.
 */
import { readProvider } from "../chain";
import { encryptHandler, type EncryptEnv, type EncryptMessage, type EncryptRequest } from "./encryptProtocol";

interface WorkerScope {
  onmessage: ((event: MessageEvent<EncryptRequest>) => void) | null;
  postMessage(message: EncryptMessage): void;
  crossOriginIsolated?: boolean;
  navigator: { hardwareConcurrency?: number };
}
const scope = self as unknown as WorkerScope;

const env: EncryptEnv = {
  notIsolated: scope.crossOriginIsolated
    ? undefined
    : "the encryption worker is not cross-origin isolated, so the browser gives it no SharedArrayBuffer for the SDK's threads",
  cores: scope.navigator.hardwareConcurrency ?? 1,
  mockInstance: async (rpcUrl) => {
    const { MOCK_CHAIN_ID, connectMockFhevm } = await import("../../../client/src/fhe/mock");
    return (await connectMockFhevm(readProvider(rpcUrl, MOCK_CHAIN_ID))).instance;
  },
  initSdk: async (threads) => {
    const { initSDK } = await import("../relayer/sdk");
    // thread 0, not undefined: the SDK takes undefined for "every core".
    await initSDK({ thread: threads > 1 ? threads : 0 });
  },
  relayerInstance: async (chainId, rpcUrl) => {
    const { connectRelayerFhevm } = await import("../../../client/src/fhe/relayer");
    return (await connectRelayerFhevm({ chainId, network: rpcUrl })).instance;
  },
  now: () => performance.now(),
};

const handle = encryptHandler(env, (m) => scope.postMessage(m));
scope.onmessage = (event) => handle(event.data);
