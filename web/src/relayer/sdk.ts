/**
 * Browser stand-in for `@zama-fhe/relayer-sdk/web` and `/node` (next.config.ts aliases both here).
 * Bundling the SDK's 1.3 MB web build with its wasm and worker stalls Turbopack, so the page loads the
 * SDK's own prebuilt browser bundle instead, as a native ES module served by this app from
 * node_modules (app/relayer-sdk route: no CDN, works offline), and forwards to it. Exports are the
 * ones FLuFHE's browser code and `@fhevm/mock-utils` use.
 */
type Sdk = typeof import("@zama-fhe/relayer-sdk/web");

const BUNDLE_URL = process.env.NEXT_PUBLIC_RELAYER_SDK_URL ?? "/relayer-sdk/relayer-sdk-js.js";

let sdk: Sdk | undefined;
let loading: Promise<Sdk> | undefined;

export let SepoliaConfig: Sdk["SepoliaConfig"];
export let MainnetConfig: Sdk["MainnetConfig"];

/**
 * The bundle's absolute URL, from the origin: a page and a worker (the participant's encryption worker,
 * whose own URL may not be hierarchical) resolve it alike.
 */
const bundleUrl = (): URL => new URL(BUNDLE_URL, globalThis.location.origin);

function load(): Promise<Sdk> {
  loading ??= (import(/* webpackIgnore: true */ /* turbopackIgnore: true */ bundleUrl().href) as Promise<Sdk>).then(
    (m) => {
      sdk = m;
      SepoliaConfig = m.SepoliaConfig;
      MainnetConfig = m.MainnetConfig;
      return m;
    },
  );
  loading.catch(() => {
    loading = undefined; // retry on the next call
  });
  return loading;
}

function loaded(): Sdk {
  if (!sdk) throw new Error("the relayer SDK is not loaded yet: call initSDK() first");
  return sdk;
}

/**
 * The bundle would fetch its wasm from the site root: point it at the files next to it instead. With
 * `thread: n > 0` (a cross-origin isolated page or worker) its WASM runs on n threads started from
 * /workerHelpers.js (the bundle asks for that root URL; next.config.ts rewrites it to this version's copy).
 */
export const initSDK: Sdk["initSDK"] = async (options) => {
  const base = bundleUrl();
  return (await load()).initSDK({
    tfheParams: new URL("tfhe_bg.wasm", base).href,
    kmsParams: new URL("kms_lib_bg.wasm", base).href,
    ...options,
  });
};

export const createInstance: Sdk["createInstance"] = async (config) => (await load()).createInstance(config);

/** Used synchronously by MockFhevmInstance.createEIP712, after initSDK(). */
export class KmsEIP712 {
  constructor(params: ConstructorParameters<Sdk["KmsEIP712"]>[0]) {
    return new (loaded().KmsEIP712)(params);
  }
}

/** Used synchronously by MockFhevmInstance.generateKeypair, after initSDK(). */
export const TKMSPkeKeypair = {
  generate: (): ReturnType<Sdk["TKMSPkeKeypair"]["generate"]> => loaded().TKMSPkeKeypair.generate(),
};
