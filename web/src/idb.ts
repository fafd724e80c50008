/**
 * The few IndexedDB steps the page's stores share (models: model/store.ts; saved updates:
 * participate/updateStore.ts): a request as a promise, a database opened lazily with its object
 * stores, and a write that resolves only once its transaction committed.
 */

/** An IndexedDB request as a promise. */
export function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error("IndexedDB request failed"));
  });
}

/** Object stores to create on first open: name -> key path. */
export type StoreSchema = Record<string, string | string[]>;

/** `database(name, mode)`: an object store of the database, opened (and created) on first use. */
export function lazyDatabase(factory: IDBFactory, name: string, version: number, schema: StoreSchema) {
  let db: Promise<IDBDatabase> | undefined;
  const open = () => {
    const req = factory.open(name, version);
    req.onupgradeneeded = () => {
      for (const [store, keyPath] of Object.entries(schema)) {
        if (!req.result.objectStoreNames.contains(store)) req.result.createObjectStore(store, { keyPath });
      }
    };
    return request(req);
  };
  return async (store: string, mode: IDBTransactionMode): Promise<IDBObjectStore> =>
    (await (db ??= open())).transaction(store, mode).objectStore(store);
}

/** Puts `record` and resolves when the transaction commits (not merely when the put is queued). */
export function putCommitted(store: IDBObjectStore, record: unknown): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    store.transaction.oncomplete = () => resolve();
    store.transaction.onerror = store.transaction.onabort = () =>
      reject(store.transaction.error ?? new Error("IndexedDB write failed"));
    store.put(record);
  });
}
