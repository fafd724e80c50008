/**
 * The page's side of the encryption worker: start it once per chain, send each chunk's words, get its
 * handles and proofs back in the order asked. A worker that cannot start fails the submission with a
 * clear message: the page never falls back to encrypting on its own thread.
 */
import type { EncryptedChunk, WordEncryptor } from "../../../client/src/fhe/encrypt";
import {
  threadPlan,
  type EncryptEngine,
  type EncryptMessage,
  type EncryptRequest,
  type EncryptSetup,
} from "./encryptProtocol";

/** The part of a Worker the encryptor uses (a fake in tests). */
export interface EncryptWorkerLike {
  onmessage: ((event: MessageEvent<EncryptMessage>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
  postMessage(message: EncryptRequest): void;
  terminate(): void;
}

export const NO_WORKER =
  "this browser cannot start the encryption worker (no Web Workers): the page does not encrypt on its own " +
  "thread, so use a current browser (Chrome, Firefox, Safari or Edge of the last years)";

export const encryptionWorker = (): EncryptWorkerLike => {
  if (typeof Worker === "undefined") throw new Error(NO_WORKER);
  // Named ENCRYPTION_WORKER_NAME (devtools, and the e2e suite tells it from the training worker by it); a
  // literal, as bundlers read a worker's options statically.
  const worker = new Worker(new URL("./encryptWorker.ts", import.meta.url), {
    type: "module",
    name: "flufhe-encryption",
  });
  return worker as unknown as EncryptWorkerLike;
};

interface Pending {
  label: string;
  resolve(e: EncryptedChunk): void;
  reject(e: Error): void;
}

/**
 * One encryption worker, as client/src/fhe/encrypt's WordEncryptor (what submitUpdate and the batched
 * path take): its instance starts at once; chunks are encrypted one after another in the worker, in
 * parallel with the page (threads: 1, so submitUpdate encrypts the next chunk while the wallet confirms).
 */
export class Encryptor implements WordEncryptor {
  readonly threads = 1;
  private readonly worker: EncryptWorkerLike;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(
    setup: EncryptSetup,
    private readonly onEngine: (engine: EncryptEngine) => void = () => {},
    makeWorker: () => EncryptWorkerLike = encryptionWorker,
  ) {
    this.worker = makeWorker();
    this.worker.onmessage = ({ data }) => this.receive(data);
    this.worker.onerror = (event) =>
      this.fail(
        `the encryption worker failed: ${event.message || "it did not start (this browser may not run module workers)"}`,
      );
    this.worker.postMessage({ type: "init", ...setup });
  }

  /** Why the worker cannot encrypt any more (then every call fails with it). */
  get failed(): Error | undefined {
    return this.failure;
  }

  encryptWords(contract: string, user: string, words: readonly bigint[], label: string): Promise<EncryptedChunk> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { label, resolve, reject });
      this.worker.postMessage({ type: "encrypt", id, label, contract, user, words: [...words] });
    });
  }

  terminate(): void {
    this.fail("the encryption worker was stopped");
    this.worker.terminate();
  }

  private receive(m: EncryptMessage) {
    if (m.type === "engine") this.onEngine(m.engine);
    if (m.type === "encrypted") {
      this.pending.get(m.id)?.resolve({ handles: m.handles, proofs: m.proofs, encryptMs: m.ms });
      this.pending.delete(m.id);
    } else if (m.type === "error" && m.id !== undefined) {
      const waiting = this.pending.get(m.id);
      this.pending.delete(m.id);
      waiting?.reject(new Error(`encrypting ${m.label ?? waiting.label} failed: ${m.message}`));
    } else if (m.type === "error") {
      this.fail(`the encryption worker could not start its fhEVM instance: ${m.message}`);
    }
  }

  private fail(message: string) {
    this.failure ??= new Error(message);
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}

/** The parts of the page's global scope that tell whether (and why not) it is cross-origin isolated. */
export interface PageScope {
  crossOriginIsolated?: boolean;
  isSecureContext?: boolean;
  location: { pathname: string };
  navigator: { hardwareConcurrency?: number };
  performance: { getEntriesByType(type: string): { name: string }[] };
}

/** Why this page is not cross-origin isolated, and whether a reload would fix it; undefined when it is. */
export function isolationProblem(page: PageScope): { why: string; reload: boolean } | undefined {
  if (page.crossOriginIsolated) return undefined;
  const not = "this page is not cross-origin isolated";
  if (page.isSecureContext === false) {
    return { why: `${not}: browsers isolate only secure pages (https, or http on localhost)`, reload: false };
  }
  const loaded = page.performance.getEntriesByType("navigation")[0]?.name;
  if (loaded && new URL(loaded).pathname !== page.location.pathname) {
    return {
      why: `${not}: it was opened by an in-app link, and only a full load of this page gets its isolation headers (COOP/COEP)`,
      reload: true,
    };
  }
  return {
    why: `${not}: its COOP/COEP headers did not take effect (dropped on the way, or not supported by this browser)`,
    reload: false,
  };
}

/** The engine this page would get on `chainId`, before the worker reports its own. */
export function pageEngine(chainId: number, page: PageScope): EncryptEngine {
  return threadPlan(chainId, isolationProblem(page)?.why, page.navigator.hardwareConcurrency ?? 1);
}
