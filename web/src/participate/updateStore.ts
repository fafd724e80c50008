/**
 * What a browser participant must not lose when the tab closes, as the node keeps it in its state file
 * (client/src/node/state): each round's exact encoded update and the error-feedback residual, saved
 * before the first chunk is sent, so a reload submits the remaining chunks of the same update; and,
 * in a record of its own, this browser's accuracy on its local test split per round. IndexedDB database "flufhe-participant"
 * (object store "participations", key: "<chainId>:<aggregator>:<task>:<account>"); memory where there
 * is no IndexedDB. The chain's per-chunk record stays the source of truth for what was submitted.
 */
import type { FeedbackState } from "../../../client/src/node/encoding";

export interface RoundEvaluation {
  round: number;
  accuracy: number;
  loss: number;
}

/** The node's state (encoded updates by round as hex words per chunk, the feedback residual). */
export interface Participation {
  key: string;
  state: FeedbackState;
}

/** Accuracy per round, a record of its own: writing it can never overwrite a freshly saved update. */
export interface Evaluations {
  key: string;
  evaluations: RoundEvaluation[];
}

type StoredRecord = Participation | Evaluations;

export interface ParticipationStore {
  readonly kind: "indexeddb" | "memory";
  get(key: string): Promise<StoredRecord | undefined>;
  put(record: StoredRecord): Promise<void>;
}

export function participationKey(taskKey: string, account: string): string {
  return `${taskKey}:${account.toLowerCase()}`;
}

const evaluationsKey = (key: string) => `${key}#evaluations`;

/** The stored state, or a fresh one for this task and account. */
export async function loadParticipation(
  store: ParticipationStore,
  key: string,
  init: Omit<FeedbackState, "updates">,
): Promise<Participation> {
  const found = await store.get(key);
  return found && "state" in found ? found : { key, state: { ...init, updates: {} } };
}

export async function loadEvaluations(store: ParticipationStore, key: string): Promise<RoundEvaluation[]> {
  const found = await store.get(evaluationsKey(key));
  return found && "evaluations" in found ? found.evaluations : [];
}

/** Records a round's accuracy (replacing an earlier one of the same round); returns them all by round. */
export async function saveEvaluation(
  store: ParticipationStore,
  key: string,
  e: RoundEvaluation,
): Promise<RoundEvaluation[]> {
  const previous = await loadEvaluations(store, key);
  const evaluations = [...previous.filter((x) => x.round !== e.round), e].sort((a, b) => a.round - b.round);
  await store.put({ key: evaluationsKey(key), evaluations });
  return evaluations;
}

export function memoryParticipationStore(): ParticipationStore {
  const records = new Map<string, StoredRecord>();
  return {
    kind: "memory",
    get: async (key) => {
      const r = records.get(key);
      return r && structuredClone(r);
    },
    put: async (r) => void records.set(r.key, structuredClone(r)),
  };
}

const DB_NAME = "flufhe-participant";
const STORE = "participations";

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error("IndexedDB request failed"));
  });
}

export function indexedDbParticipationStore(factory: IDBFactory): ParticipationStore {
  let db: Promise<IDBDatabase> | undefined;
  const open = () => {
    const req = factory.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "key" });
    return request(req);
  };
  const store = async (mode: IDBTransactionMode) => (await (db ??= open())).transaction(STORE, mode).objectStore(STORE);
  return {
    kind: "indexeddb",
    get: async (key) => (await request((await store("readonly")).get(key))) as StoredRecord | undefined,
    // Resolves when the transaction commits (not merely when the put is queued): the update must be
    // on disk before its first chunk is sent.
    put: async (r) => {
      const s = await store("readwrite");
      await new Promise<void>((resolve, reject) => {
        s.transaction.oncomplete = () => resolve();
        s.transaction.onerror = s.transaction.onabort = () =>
          reject(s.transaction.error ?? new Error("IndexedDB write failed"));
        s.put(r);
      });
    },
  };
}

let shared: ParticipationStore | undefined;

export function browserParticipationStore(): ParticipationStore {
  if (typeof window === "undefined") return memoryParticipationStore();
  shared ??= typeof indexedDB !== "undefined" ? indexedDbParticipationStore(indexedDB) : memoryParticipationStore();
  return shared;
}
