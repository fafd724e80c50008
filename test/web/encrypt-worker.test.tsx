import { describe, expect, it, vi } from "vitest";
import type { FheInstance } from "../../client/src/fhe/instance";
import {
  ENCRYPTION_WORKER_NAME,
  MAX_THREADS,
  MOCK_WHY,
  encryptHandler,
  engineLine,
  type EncryptEnv,
  type EncryptMessage,
  type EncryptRequest,
} from "../../web/src/participate/encryptProtocol";
import {
  Encryptor,
  NO_WORKER,
  encryptionWorker,
  isolationProblem,
  pageEngine,
  type EncryptWorkerLike,
  type PageScope,
} from "../../web/src/participate/encryptor";
import { DEVNET, fakeEnv, fakeInstance, inProcessWorker } from "./encryptFakes";

// The participant page's encryption worker: its handler called directly (Node has no Worker), the
// page's Encryptor over fakes, and what the page says about threads and isolation.
const CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const USER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const SEPOLIA = { chainId: 11155111, rpcUrl: "http://127.0.0.1:3000/api/rpc" };
const settle = () => new Promise((r) => setTimeout(r, 0));

/** Runs `requests` through a fresh handler; resolves with every message once `until` says the run is over. */
async function run(
  env: EncryptEnv,
  requests: EncryptRequest[],
  until: (messages: EncryptMessage[]) => boolean,
): Promise<EncryptMessage[]> {
  const messages: EncryptMessage[] = [];
  const handle = encryptHandler(env, (m) => messages.push(m));
  requests.forEach(handle);
  for (let i = 0; i < 200 && !until(messages); i++) await settle();
  return messages;
}

const encrypt = (id: number, words: bigint[], label = `chunk ${id + 1} of 3`): EncryptRequest => ({
  type: "encrypt",
  id,
  label,
  contract: CONTRACT,
  user: USER,
  words,
});
const answers = (n: number) => (ms: EncryptMessage[]) =>
  ms.filter((m) => m.type === "encrypted" || (m.type === "error" && m.id !== undefined)).length >= n;

describe("the encryption worker's handler", () => {
  it("on the devnet: the mock instance, one thread and why; every chunk answered in order", async () => {
    // The first input takes longest: answers still come in the order asked.
    let calls = 0;
    const inputs: { contract: string; user: string; words: bigint[] }[] = [];
    const slowFirst = {
      createEncryptedInput: (contract: string, user: string) => {
        const input = { contract, user, words: [] as bigint[] };
        inputs.push(input);
        const delay = calls++ === 0 ? 20 : 0;
        return {
          add128: (w: bigint) => void input.words.push(w),
          encrypt: async () => {
            await new Promise((r) => setTimeout(r, delay));
            return {
              handles: input.words.map((w) => new Uint8Array(32).fill(Number(w))),
              inputProof: new Uint8Array([input.words.length]),
            };
          },
        };
      },
    } as unknown as FheInstance;
    const mockInstance = vi.fn(async () => slowFirst);
    const words = Array.from({ length: 20 }, (_, i) => BigInt(i + 1));
    const messages = await run(
      fakeEnv(slowFirst, { mockInstance }),
      [{ type: "init", ...DEVNET }, encrypt(0, words), encrypt(1, [21n])],
      answers(2),
    );
    expect(mockInstance).toHaveBeenCalledWith(DEVNET.rpcUrl);
    expect(messages.map((m) => m.type)).toEqual(["engine", "ready", "encrypted", "encrypted"]);
    expect(messages[0]).toEqual({
      type: "engine",
      engine: { kind: "mock", threads: 1, isolated: true, why: MOCK_WHY },
    });
    const [first, second] = messages.slice(2) as Extract<EncryptMessage, { type: "encrypted" }>[];
    // 20 words: two inputs of 16 + 4 (encryptWords), so two proofs; the handles in word order.
    expect(first.id).toBe(0);
    expect(first.proofs).toEqual(["0x10", "0x04"]);
    expect(first.handles.map((h) => parseInt(h.slice(2, 4), 16))).toEqual(words.map(Number));
    expect(second).toMatchObject({ id: 1, handles: ["0x" + "15".repeat(32)], proofs: ["0x01"] });
    expect(inputs.map((i) => [i.contract, i.user])).toEqual(Array(3).fill([CONTRACT, USER]));
  });

  it("elsewhere: the SDK's WASM on every core up to the cap when isolated, else one thread and why", async () => {
    const threadsFor = async (overrides: Partial<EncryptEnv>) => {
      const initSdk = vi.fn(async () => {});
      const relayerInstance = vi.fn(async () => fakeInstance());
      const messages = await run(
        fakeEnv(fakeInstance(), { initSdk, relayerInstance, ...overrides }),
        [{ type: "init", ...SEPOLIA }],
        (ms) => ms.some((m) => m.type === "ready"),
      );
      expect(relayerInstance).toHaveBeenCalledWith(SEPOLIA.chainId, SEPOLIA.rpcUrl);
      expect(messages.map((m) => m.type)).toEqual(["engine", "ready"]);
      return { init: initSdk.mock.calls.map((c) => (c as unknown[])[0]), engine: messages[0] };
    };
    expect(await threadsFor({ cores: 8 })).toEqual({
      init: [8],
      engine: { type: "engine", engine: { kind: "sdk", threads: 8, isolated: true } },
    });
    expect((await threadsFor({ cores: 64 })).init).toEqual([MAX_THREADS]);
    expect(await threadsFor({ cores: 8, notIsolated: "no COOP/COEP here" })).toEqual({
      init: [1],
      engine: { type: "engine", engine: { kind: "sdk", threads: 1, isolated: false, why: "no COOP/COEP here" } },
    });
    expect((await threadsFor({ cores: 1 })).engine).toMatchObject({
      engine: { threads: 1, why: "this device reports one core" },
    });
  });

  it("runs single-threaded, and says why, when the SDK's thread pool fails or does not start in time", async () => {
    const failing = vi.fn(async (threads: number) => {
      if (threads > 1) throw new Error("workerHelpers.js: 404");
    });
    const failed = await run(fakeEnv(fakeInstance(), { initSdk: failing }), [{ type: "init", ...SEPOLIA }], (ms) =>
      ms.some((m) => m.type === "ready"),
    );
    expect(failing.mock.calls).toEqual([[4], [1]]);
    expect(failed[0]).toEqual({
      type: "engine",
      engine: {
        kind: "sdk",
        threads: 1,
        isolated: true,
        why: "the SDK's thread pool did not start (workerHelpers.js: 404)",
      },
    });
    const hanging = (threads: number) => (threads > 1 ? new Promise<void>(() => {}) : Promise.resolve());
    const late = await run(
      fakeEnv(fakeInstance(), { initSdk: hanging, poolTimeoutMs: 5 }),
      [{ type: "init", ...SEPOLIA }],
      (ms) => ms.some((m) => m.type === "ready"),
    );
    expect(late[0]).toMatchObject({
      engine: {
        threads: 1,
        why: "the SDK's thread pool did not start (starting the SDK's WASM took longer than 0.005 s)",
      },
    });
  });

  it("answers a failed chunk with its label and goes on with the next; a failed start fails every chunk", async () => {
    const refusing = {
      createEncryptedInput: () => ({
        add128: () => {},
        encrypt: async () => Promise.reject(new Error("relayer: input proof refused\n(details)")),
      }),
    } as unknown as FheInstance;
    let first = true;
    const mixed = {
      createEncryptedInput: (c: string, u: string) =>
        (first ? ((first = false), refusing) : fakeInstance()).createEncryptedInput(c, u),
    } as unknown as FheInstance;
    const messages = await run(
      fakeEnv(mixed),
      [{ type: "init", ...DEVNET }, encrypt(0, [1n]), encrypt(1, [2n])],
      answers(2),
    );
    expect(messages.slice(2)).toEqual([
      { type: "error", id: 0, label: "chunk 1 of 3", message: "relayer: input proof refused" },
      expect.objectContaining({ type: "encrypted", id: 1 }),
    ]);

    const down = await run(
      fakeEnv(fakeInstance(), { mockInstance: async () => Promise.reject(new Error("node unreachable")) }),
      [{ type: "init", ...DEVNET }, encrypt(0, [1n])],
      answers(1),
    );
    expect(down.slice(1)).toEqual([
      { type: "error", message: "node unreachable" },
      { type: "error", id: 0, label: "chunk 1 of 3", message: "no fhEVM instance (node unreachable)" },
    ]);

    const unstarted = await run(fakeEnv(fakeInstance()), [encrypt(0, [1n])], answers(1));
    expect(unstarted).toEqual([
      { type: "error", id: 0, label: "chunk 1 of 3", message: "the encryption worker was not started" },
    ]);
  });
});

/** A worker whose answers the test sends by hand, in any order. */
function manualWorker() {
  const worker = {
    onmessage: null as EncryptWorkerLike["onmessage"],
    onerror: null as EncryptWorkerLike["onerror"],
    requests: [] as EncryptRequest[],
    terminated: false,
    postMessage: (r: EncryptRequest) => void worker.requests.push(r),
    terminate: () => void (worker.terminated = true),
    answer: (m: EncryptMessage) => worker.onmessage?.({ data: m } as MessageEvent<EncryptMessage>),
  };
  return worker;
}

describe("the page's Encryptor", () => {
  it("starts the worker's instance, hears its engine, and gives each chunk its own answer, in any order", async () => {
    const worker = manualWorker();
    const engines: unknown[] = [];
    const encryptor = new Encryptor(
      SEPOLIA,
      (e) => engines.push(e),
      () => worker,
    );
    expect(worker.requests).toEqual([{ type: "init", ...SEPOLIA }]);
    const a = encryptor.encryptWords(CONTRACT, USER, [1n, 2n], "chunk 1 of 2");
    const b = encryptor.encryptWords(CONTRACT, USER, [3n], "chunk 2 of 2");
    expect(worker.requests.slice(1)).toEqual([encrypt(0, [1n, 2n], "chunk 1 of 2"), encrypt(1, [3n], "chunk 2 of 2")]);
    const engine = { kind: "sdk" as const, threads: 2, isolated: true };
    worker.answer({ type: "engine", engine });
    worker.answer({ type: "encrypted", id: 1, handles: ["0x03"], proofs: ["0xb"], ms: 5 });
    worker.answer({ type: "encrypted", id: 0, handles: ["0x01", "0x02"], proofs: ["0xa"], ms: 7 });
    expect(await a).toEqual({ handles: ["0x01", "0x02"], proofs: ["0xa"], encryptMs: 7 });
    expect(await b).toEqual({ handles: ["0x03"], proofs: ["0xb"], encryptMs: 5 });
    expect(engines).toEqual([engine]);
    expect(encryptor.threads).toBe(1);
  });

  it("reports a chunk's failure with the chunk; a failed start or a dead worker fails every chunk", async () => {
    const worker = manualWorker();
    const encryptor = new Encryptor(DEVNET, undefined, () => worker);
    const a = encryptor.encryptWords(CONTRACT, USER, [1n], "chunk 2 of 3");
    worker.answer({ type: "error", id: 0, label: "chunk 2 of 3", message: "relayer: 503" });
    await expect(a).rejects.toThrow("encrypting chunk 2 of 3 failed: relayer: 503");
    expect(encryptor.failed).toBeUndefined();

    const b = encryptor.encryptWords(CONTRACT, USER, [1n], "chunk 3 of 3");
    worker.answer({ type: "error", message: "the node does not answer fhevm_relayer_metadata" });
    const startFailed =
      "the encryption worker could not start its fhEVM instance: the node does not answer fhevm_relayer_metadata";
    await expect(b).rejects.toThrow(startFailed);
    await expect(encryptor.encryptWords(CONTRACT, USER, [1n], "chunk 3 of 3")).rejects.toThrow(startFailed);
    expect(encryptor.failed?.message).toBe(startFailed);

    const dying = manualWorker();
    const other = new Encryptor(DEVNET, undefined, () => dying);
    const c = other.encryptWords(CONTRACT, USER, [1n], "chunk 1 of 1");
    dying.onerror?.({ message: "" } as ErrorEvent);
    await expect(c).rejects.toThrow(
      "the encryption worker failed: it did not start (this browser may not run module workers)",
    );

    const stopped = manualWorker();
    const third = new Encryptor(DEVNET, undefined, () => stopped);
    const d = third.encryptWords(CONTRACT, USER, [1n], "chunk 1 of 1");
    third.terminate();
    await expect(d).rejects.toThrow("the encryption worker was stopped");
    expect(stopped.terminated).toBe(true);
  });

  it("over the worker's handler: encrypts in order and terminates cleanly", async () => {
    const worker = inProcessWorker(fakeEnv(fakeInstance()));
    const encryptor = new Encryptor(DEVNET, undefined, () => worker);
    const chunks = await Promise.all(
      [[1n, 2n], [3n], [4n, 5n, 6n]].map((w, i) => encryptor.encryptWords(CONTRACT, USER, w, `chunk ${i + 1}`)),
    );
    expect(chunks.map((c) => c.handles.length)).toEqual([2, 1, 3]);
    expect(chunks.every((c) => c.proofs.length === 1 && c.encryptMs! >= 0)).toBe(true);
    encryptor.terminate();
    expect(worker.terminated).toBe(true);
  });

  it("starts a named module worker from its own script", () => {
    const started: { url: string; options: unknown }[] = [];
    vi.stubGlobal(
      "Worker",
      class {
        constructor(url: URL, options: unknown) {
          started.push({ url: String(url), options });
        }
      },
    );
    try {
      encryptionWorker();
    } finally {
      vi.unstubAllGlobals();
    }
    expect(started).toHaveLength(1);
    expect(started[0].url).toMatch(/encryptWorker\.ts/);
    expect(started[0].options).toMatchObject({ type: "module", name: ENCRYPTION_WORKER_NAME });
  });

  it("never falls back to the page's thread: no Worker is an error", () => {
    expect(typeof (globalThis as { Worker?: unknown }).Worker).toBe("undefined");
    expect(() => encryptionWorker()).toThrow(NO_WORKER);
    expect(() => new Encryptor(DEVNET)).toThrow(NO_WORKER);
  });
});

describe("what the page says about encryption threads", () => {
  const page = (over: Partial<PageScope> & { loadedAt?: string } = {}): PageScope => ({
    crossOriginIsolated: true,
    isSecureContext: true,
    location: { pathname: "/tasks/1/participate" },
    navigator: { hardwareConcurrency: 8 },
    performance: {
      getEntriesByType: () => [{ name: `http://127.0.0.1:3000${over.loadedAt ?? "/tasks/1/participate"}` }],
    },
    ...over,
  });

  it("threads where the page is isolated; on the devnet one thread and why", () => {
    expect(engineLine(pageEngine(11155111, page()))).toBe("Encryption: 8 threads (cross-origin isolated)");
    expect(engineLine(pageEngine(11155111, page({ navigator: { hardwareConcurrency: 48 } })))).toBe(
      `Encryption: ${MAX_THREADS} threads (cross-origin isolated)`,
    );
    expect(engineLine(pageEngine(31337, page()))).toBe(
      `Encryption: 1 thread — ${MOCK_WHY}; this page is cross-origin isolated`,
    );
    expect(isolationProblem(page())).toBeUndefined();
  });

  it("says why a page is not isolated, and offers a reload only where a full load would isolate it", () => {
    const linked = page({ crossOriginIsolated: false, loadedAt: "/tasks/1" });
    expect(isolationProblem(linked)).toEqual({
      why: "this page is not cross-origin isolated: it was opened by an in-app link, and only a full load of this page gets its isolation headers (COOP/COEP)",
      reload: true,
    });
    expect(engineLine(pageEngine(11155111, linked))).toBe(`Encryption: 1 thread — ${isolationProblem(linked)!.why}`);
    expect(isolationProblem(page({ crossOriginIsolated: false, isSecureContext: false }))).toEqual({
      why: "this page is not cross-origin isolated: browsers isolate only secure pages (https, or http on localhost)",
      reload: false,
    });
    expect(isolationProblem(page({ crossOriginIsolated: false }))?.why).toMatch(
      /COOP\/COEP headers did not take effect/,
    );
    expect(engineLine(pageEngine(31337, linked))).toBe(
      `Encryption: 1 thread — ${MOCK_WHY}; this page is not cross-origin isolated`,
    );
  });
});
