/**
 * What a browser participant must not lose when the tab closes, as the node keeps it in its state file
 * (client/src/node/state): each round's exact encoded update and the error-feedback residual, saved
 * before the first chunk is sent, so a reload submits the remaining chunks of the same update; and,
 * in a record of its own, this browser's accuracy on its local test split per round. IndexedDB database "flufhe-participant"
 * (object store "participations", key: "<chainId>:<aggregator>:<task>:<account>"); memory where there
 * is no IndexedDB. The chain's per-chunk record stays the source of truth for what was submitted.
 */
import { readTaskIdentity } from "../../../client/src/chain/taskIdentity";
import {
  checkSavedState,
  freshState,
  type ParticipantState,
  type StateOwner,
} from "../../../client/src/node/participantState";
import type { FLuFHEAggregator } from "../chain";
import { lazyDatabase, putCommitted, request } from "../idb";
import { taskKey } from "../model/store";

export interface RoundEvaluation {
  round: number;
  accuracy: number;
  loss: number;
}

/** The node's state (encoded updates by round as hex words per chunk, the feedback residual). */
export interface Participation {
  key: string;
  state: ParticipantState;
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

const DB_NAME = "flufhe-participant";
const STORE = "participations";

/**
 * The stored state of this task and account, or a fresh one. A record made for another task under
 * the same key (a restarted devnet reuses chain id, aggregator address and task ids) is never
 * reused and never deleted: it is copied to `<key>#set-aside:<block hash>`, replaced by a fresh
 * state, and `setAside` says what happened.
 */
export async function loadParticipation(
  store: ParticipationStore,
  key: string,
  owner: StateOwner,
): Promise<Participation & { setAside?: string }> {
  const found = await store.get(key);
  if (!found || !("state" in found)) return { key, state: freshState(owner) };
  const check = checkSavedState(found.state, owner);
  if (check.verdict === "ok") return found;
  const tag = found.state.task?.createdBlockHash?.slice(2, 10) ?? "unbound";
  const asideKey = `${key}#set-aside:${tag}`;
  await store.put({ key: asideKey, state: found.state });
  const fresh: Participation = { key, state: freshState(owner) };
  await store.put(fresh);
  return {
    ...fresh,
    setAside:
      `This browser's saved update for this task was not used: ${check.message}. ` +
      `It is kept in this browser (IndexedDB "${DB_NAME}", record "${asideKey}") and nothing from it was sent.`,
  };
}

/** This account's participation in the task the aggregator holds under `taskId` right now. */
export async function openParticipation(
  store: ParticipationStore,
  aggregator: FLuFHEAggregator,
  chainId: number,
  taskId: bigint,
  account: string,
): Promise<Participation & { setAside?: string }> {
  const task = await readTaskIdentity(aggregator, taskId);
  const key = participationKey(taskKey(chainId, task.aggregator, taskId), account);
  return loadParticipation(store, key, { task, account });
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

export function indexedDbParticipationStore(factory: IDBFactory): ParticipationStore {
  const store = lazyDatabase(factory, DB_NAME, 1, { [STORE]: "key" });
  return {
    kind: "indexeddb",
    get: async (key) => (await request((await store(STORE, "readonly")).get(key))) as StoredRecord | undefined,
    // The update must be on disk before its first chunk is sent: resolved once the transaction commits.
    put: async (r) => putCommitted(await store(STORE, "readwrite"), r),
  };
}

let shared: ParticipationStore | undefined;

export function browserParticipationStore(): ParticipationStore {
  if (typeof window === "undefined") return memoryParticipationStore();
  shared ??= typeof indexedDB !== "undefined" ? indexedDbParticipationStore(indexedDB) : memoryParticipationStore();
  return shared;
}
