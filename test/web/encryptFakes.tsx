/**
 * The participant page's encryption worker without a Worker (Node has none): its handler run in this
 * process behind a WorkerLike that delivers messages asynchronously, over a fake fhEVM instance.
 */
import type { FheInstance } from "../../client/src/fhe/instance";
import {
  encryptHandler,
  type EncryptEngine,
  type EncryptEnv,
  type EncryptMessage,
  type EncryptRequest,
  type EncryptSetup,
} from "../../web/src/participate/encryptProtocol";
import { Encryptor, type EncryptWorkerLike } from "../../web/src/participate/encryptor";

/** An instance whose inputs "encrypt" to handles filled with 1, 2, ... and a 3-byte proof. */
export const fakeInstance = (): FheInstance =>
  ({
    createEncryptedInput: () => {
      let n = 0;
      return {
        add128: () => void n++,
        encrypt: async () => ({
          handles: Array.from({ length: n }, (_, i) => new Uint8Array(32).fill(i + 1)),
          inputProof: new Uint8Array([1, 2, 3]),
        }),
      };
    },
  }) as unknown as FheInstance;

/** The worker's surroundings: isolated, 4 cores, `instance` for either kind of chain. */
export const fakeEnv = (instance: FheInstance, overrides: Partial<EncryptEnv> = {}): EncryptEnv => ({
  notIsolated: undefined,
  cores: 4,
  mockInstance: async () => instance,
  initSdk: async () => {},
  relayerInstance: async () => instance,
  now: () => performance.now(),
  ...overrides,
});

export type InProcessWorker = EncryptWorkerLike & { terminated: boolean; requests: EncryptRequest[] };

/** A Worker stand-in running the handler here: requests and answers each cross a macrotask, as in a browser. */
export function inProcessWorker(env: EncryptEnv): InProcessWorker {
  const worker: InProcessWorker = {
    onmessage: null,
    onerror: null,
    terminated: false,
    requests: [],
    postMessage(request) {
      worker.requests.push(request);
      setTimeout(() => handle(structuredClone(request)));
    },
    terminate() {
      worker.terminated = true;
    },
  };
  const handle = encryptHandler(env, (m) =>
    setTimeout(() => {
      if (!worker.terminated) worker.onmessage?.({ data: structuredClone(m) } as MessageEvent<EncryptMessage>);
    }),
  );
  return worker;
}

export const DEVNET: EncryptSetup = { chainId: 31337, rpcUrl: "http://127.0.0.1:3000/api/rpc" };

/** An Encryptor over the in-process worker and `instance`. */
export const inProcessEncryptor = (instance: FheInstance = fakeInstance(), setup: EncryptSetup = DEVNET) =>
  new Encryptor(setup, undefined, () => inProcessWorker(fakeEnv(instance)));

/** The participant page's encryptor start (Participation's startEncryptor) over the in-process worker. */
export const startInProcess = (setup: EncryptSetup, onEngine: (engine: EncryptEngine) => void): Encryptor =>
  new Encryptor(setup, onEngine, () => inProcessWorker(fakeEnv(fakeInstance())));
