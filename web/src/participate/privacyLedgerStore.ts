/**
 * The browser participant's privacy ledger (client/src/privacy/ledger): one record per data set in the
 * IndexedDB database "flufhe-privacy" (object store "accounts", key: the data set's fingerprint), a
 * database of its own so that it never shares a schema version with the participation store.
 * `exclusive` takes a Web Lock, so tabs of this origin training on the same data take turns; a page
 * without Web Locks falls back to a promise chain (one tab). Memory where there is no IndexedDB: the
 * ledger then lasts only as long as the page, which `kind` says so the page can tell its user.
 */
import {
  checkAccount,
  memoryLedgerStore,
  promiseChainLock,
  type DatasetAccount,
  type LedgerStore,
} from "../../../client/src/privacy/ledger";
import { lazyDatabase, putCommitted, request } from "../idb";

/** A LedgerStore that says where it keeps the ledger. */
export interface BrowserLedgerStore extends LedgerStore {
  readonly kind: "indexeddb" | "memory";
}

const DB_NAME = "flufhe-privacy";
const STORE = "accounts";
const LOCK_PREFIX = "flufhe-privacy:";

/** A stored record that does not read back is an error, never an empty account (no silent reset). */
function readBack(value: unknown): DatasetAccount {
  try {
    return checkAccount(value);
  } catch (error) {
    throw new Error(
      `the privacy ledger in this browser (IndexedDB "${DB_NAME}") holds a corrupt record: ${(error as Error).message}`,
    );
  }
}

/** Exclusive sections across this origin's tabs with Web Locks, within the page otherwise. */
function exclusiveOf(locks: LockManager | undefined): LedgerStore["exclusive"] {
  if (!locks) return promiseChainLock();
  return <T>(fingerprint: string, fn: () => Promise<T>) =>
    locks.request(LOCK_PREFIX + fingerprint, () => fn()) as Promise<T>;
}

/** The ledger in IndexedDB (`factory`), sections made exclusive with `locks` when given. */
export function indexedDbLedgerStore(
  factory: IDBFactory,
  locks: LockManager | undefined = globalThis.navigator?.locks,
): BrowserLedgerStore {
  const store = lazyDatabase(factory, DB_NAME, 1, { [STORE]: "fingerprint" });
  return {
    kind: "indexeddb",
    load: async (fingerprint) => {
      const found: unknown = await request((await store(STORE, "readonly")).get(fingerprint));
      return found === undefined ? undefined : readBack(found);
    },
    // A charge must be stored before its training starts: resolved once the transaction commits.
    save: async (account) => putCommitted(await store(STORE, "readwrite"), account),
    list: async () => {
      const all: unknown[] = await request((await store(STORE, "readonly")).getAll());
      return all.map(readBack);
    },
    exclusive: exclusiveOf(locks),
  };
}

let shared: BrowserLedgerStore | undefined;

/** This page's ledger store: IndexedDB where there is one, memory otherwise (and outside a browser). */
export function browserLedgerStore(): BrowserLedgerStore {
  if (typeof window === "undefined") return { kind: "memory", ...memoryLedgerStore() };
  shared ??=
    typeof indexedDB !== "undefined" ? indexedDbLedgerStore(indexedDB) : { kind: "memory", ...memoryLedgerStore() };
  return shared;
}
