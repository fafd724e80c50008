/**
 * What the page and its encryption worker say to each other, and the worker's side of it as a plain
 * function (tested directly, without a Worker). The worker holds its own fhEVM instance, so the page's
 * thread never builds a ciphertext or its proof: on the local devnet (31337) the mock instance over the
 * app's same-origin /api/rpc, elsewhere the relayer SDK's web build over the same URL, with the SDK's
 * threaded WASM when the worker is cross-origin isolated.
 */
import { encryptWords } from "../../../client/src/fhe/encrypt";
import type { FheInstance } from "../../../client/src/fhe/instance";
import { MOCK_CHAIN_ID } from "../../../client/src/fhe/mock";

/** Most threads the SDK's pool gets: tfhe-rs' proof stops gaining at about 16. */
export const MAX_THREADS = 16;
/** How long the SDK's thread pool may take to start before the worker runs single-threaded instead. */
export const POOL_TIMEOUT_MS = 30_000;

/** Which chain the worker encrypts for, and the RPC URL its instance reads the chain through. */
export interface EncryptSetup {
  chainId: number;
  rpcUrl: string;
}

/** Page -> worker: start the instance once, then one request per chunk (answered in order). */
export type EncryptRequest =
  | ({ type: "init" } & EncryptSetup)
  /** `label` names the chunk in errors ("chunk 3 of 4"). */
  | { type: "encrypt"; id: number; label: string; contract: string; user: string; words: bigint[] };

/** How the words are encrypted: the SDK's WASM on `threads` threads, or the devnet's mock; why one thread. */
export interface EncryptEngine {
  kind: "mock" | "sdk";
  threads: number;
  /** The worker (or page) is cross-origin isolated: SharedArrayBuffer, so the SDK's threads could run. */
  isolated: boolean;
  /** Why one thread (absent when there are several). */
  why?: string;
}

/** Worker -> page. `error` without an id: the instance did not start (every request fails with it). */
export type EncryptMessage =
  | { type: "engine"; engine: EncryptEngine }
  | { type: "ready" }
  | { type: "encrypted"; id: number; handles: string[]; proofs: string[]; ms: number }
  | { type: "error"; id?: number; label?: string; message: string };

/** The worker's name (devtools, and the e2e suite tells it from the training worker by it). */
export const ENCRYPTION_WORKER_NAME = "flufhe-encryption";

export const MOCK_WHY =
  "on the local devnet the mock fhEVM does no TFHE work (the node's mock relayer makes the input proofs), so threads would not help";

/**
 * The engine a chain gets where `notIsolated` says why there is no cross-origin isolation (undefined:
 * isolated) and the device reports `cores` logical cores.
 */
export function threadPlan(chainId: number, notIsolated: string | undefined, cores: number): EncryptEngine {
  const isolated = notIsolated === undefined;
  if (chainId === MOCK_CHAIN_ID) return { kind: "mock", threads: 1, isolated, why: MOCK_WHY };
  if (!isolated) return { kind: "sdk", threads: 1, isolated, why: notIsolated };
  if (!(cores > 1)) return { kind: "sdk", threads: 1, isolated, why: "this device reports one core" };
  return { kind: "sdk", threads: Math.min(Math.floor(cores), MAX_THREADS), isolated };
}

/** The line the page shows: "Encryption: 4 threads (cross-origin isolated)" or "Encryption: 1 thread — why". */
export function engineLine(engine: EncryptEngine): string {
  if (engine.threads > 1) return `Encryption: ${engine.threads} threads (cross-origin isolated)`;
  const isolation =
    engine.kind === "mock" ? `; this page is ${engine.isolated ? "" : "not "}cross-origin isolated` : "";
  return `Encryption: 1 thread — ${engine.why ?? "single-threaded"}${isolation}`;
}

/** The worker's surroundings: its isolation and cores, and how it builds each kind of instance. */
export interface EncryptEnv {
  /** Why the worker is not cross-origin isolated; undefined when it is. */
  notIsolated: string | undefined;
  cores: number;
  /** The devnet's mock instance over `rpcUrl`. */
  mockInstance(rpcUrl: string): Promise<FheInstance>;
  /** Starts the relayer SDK's WASM with a pool of `threads` threads (1: no pool). */
  initSdk(threads: number): Promise<void>;
  /** A relayer SDK instance for `chainId` reading the chain through `rpcUrl` (after initSdk). */
  relayerInstance(chainId: number, rpcUrl: string): Promise<FheInstance>;
  now(): number;
  poolTimeoutMs?: number;
}

const message = (e: unknown) => (e instanceof Error ? e.message.split("\n")[0] : String(e));

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Starts the instance: reports the engine as soon as it is known, then builds the instance. */
async function startInstance(
  setup: EncryptSetup,
  env: EncryptEnv,
  post: (m: EncryptMessage) => void,
): Promise<FheInstance> {
  let engine = threadPlan(setup.chainId, env.notIsolated, env.cores);
  if (engine.kind === "mock") {
    post({ type: "engine", engine });
    return env.mockInstance(setup.rpcUrl);
  }
  try {
    await within(env.initSdk(engine.threads), env.poolTimeoutMs ?? POOL_TIMEOUT_MS, "starting the SDK's WASM");
  } catch (e) {
    if (engine.threads === 1) throw e;
    engine = { ...engine, threads: 1, why: `the SDK's thread pool did not start (${message(e)})` };
    await env.initSdk(1);
  }
  post({ type: "engine", engine });
  return env.relayerInstance(setup.chainId, setup.rpcUrl);
}

/**
 * The worker's side: `init` once, then every `encrypt` runs after the previous one and is answered with
 * its handles and proofs (client/src/fhe/encrypt's encryptWords) or an error naming its chunk.
 */
export function encryptHandler(env: EncryptEnv, post: (m: EncryptMessage) => void): (request: EncryptRequest) => void {
  let instance: Promise<FheInstance> | undefined;
  let queue: Promise<void> = Promise.resolve();
  return (request) => {
    if (request.type === "init") {
      if (instance) return post({ type: "error", message: "the encryption worker was started twice" });
      instance = startInstance(request, env, post);
      instance.then(
        () => post({ type: "ready" }),
        (e) => post({ type: "error", message: message(e) }),
      );
      return;
    }
    if (request.type !== "encrypt") {
      return post({ type: "error", message: `unknown request ${String((request as { type?: unknown }).type)}` });
    }
    const { id, label } = request;
    const started = instance;
    queue = queue.then(async () => {
      try {
        if (!started) throw new Error("the encryption worker was not started");
        const ready = await started.catch((e: unknown) => {
          throw new Error(`no fhEVM instance (${message(e)})`);
        });
        const t0 = env.now();
        const { handles, proofs } = await encryptWords(ready, request.contract, request.user, request.words);
        post({ type: "encrypted", id, handles, proofs, ms: env.now() - t0 });
      } catch (e) {
        post({ type: "error", id, label, message: message(e) });
      }
    });
  };
}
