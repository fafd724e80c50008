import { describe, expect, it } from "vitest";
import { PrivacyLedger, type DatasetAccount } from "../../client/src/privacy/ledger";
import { indexedDbLedgerStore } from "../../web/src/participate/privacyLedgerStore";

/**
 * Just enough of IndexedDB for web/src/idb.ts (open with an upgrade, keyPath stores, get / getAll /
 * put, a transaction's oncomplete): the repository has no fake-indexeddb. Records are structured
 * clones and every request and commit is asynchronous, as in a browser.
 */
function fakeIndexedDb(): IDBFactory {
  const databases = new Map<string, Map<string, Map<string, unknown>>>();
  const later = (fn: () => void) => void setTimeout(fn, 0);
  const asRequest = <T,>(compute: () => T, extra: object = {}) => {
    const req = { onsuccess: null, onerror: null, ...extra } as unknown as { result: T; onsuccess?: () => void };
    later(() => {
      req.result = compute();
      req.onsuccess?.();
    });
    return req;
  };
  const objectStore = (stores: Map<string, Map<string, unknown>>, name: string, keyPaths: Map<string, string>) => {
    const records = stores.get(name)!;
    const transaction: { oncomplete?: () => void } = {};
    return {
      transaction,
      get: (key: string) => asRequest(() => structuredClone(records.get(key))),
      getAll: () => asRequest(() => [...records.values()].map((r) => structuredClone(r))),
      put: (record: Record<string, unknown>) => {
        const key = record[keyPaths.get(name)!] as string;
        const copy = structuredClone(record);
        return asRequest(() => {
          records.set(key, copy);
          later(() => transaction.oncomplete?.());
        });
      },
    };
  };
  const open = (name: string) => {
    const keyPaths = new Map<string, string>();
    const fresh = !databases.has(name);
    const stores = databases.get(name) ?? new Map<string, Map<string, unknown>>();
    databases.set(name, stores);
    const db = {
      objectStoreNames: { contains: (s: string) => stores.has(s) },
      createObjectStore: (s: string, options: { keyPath: string }) => {
        stores.set(s, new Map());
        keyPaths.set(s, options.keyPath);
      },
      transaction: (s: string) => ({ objectStore: () => objectStore(stores, s, keyPaths) }),
    };
    const req: { result: unknown; onupgradeneeded?: () => void; onsuccess?: () => void } = { result: db };
    later(() => {
      if (fresh) req.onupgradeneeded?.();
      req.onsuccess?.();
    });
    return req;
  };
  return { open } as unknown as IDBFactory;
}

const A = "0x" + "a1".repeat(32);
const B = "0x" + "b2".repeat(32);
const account = (fingerprint: string, label: string, round = 1): DatasetAccount => ({
  fingerprint,
  label,
  budget: { epsilon: 8, delta: 1e-5 },
  charges: [
    {
      task: "chain 31337 · task 3",
      round,
      mechanism: { samplingRate: 0.01, noiseMultiplier: 1, steps: 50 },
      at: "2025-01-01T00:00:00.000Z",
    },
  ],
});

describe("the browser's privacy ledger store", () => {
  it("round-trips accounts by fingerprint and lists them", async () => {
    const store = indexedDbLedgerStore(fakeIndexedDb(), undefined);
    expect(store.kind).toBe("indexeddb");
    expect(await store.list()).toEqual([]);
    expect(await store.load(A)).toBeUndefined();
    await store.save(account(A, "a.csv"));
    await store.save(account(B, "b.csv"));
    await store.save(account(A, "a.csv", 2)); // replaces A's record
    expect(await store.load(A)).toEqual(account(A, "a.csv", 2));
    const all = await store.list();
    expect(all.sort((x, y) => x.label.localeCompare(y.label))).toEqual([account(A, "a.csv", 2), account(B, "b.csv")]);
  });

  it("a record that does not read back as an account is an error, not an empty ledger", async () => {
    const factory = fakeIndexedDb();
    const store = indexedDbLedgerStore(factory, undefined);
    await store.save({ ...account(A, "a.csv"), charges: "gone" } as unknown as DatasetAccount);
    await expect(store.load(A)).rejects.toThrow(/privacy ledger in this browser .*corrupt record: no charges/);
  });

  it("serves a PrivacyLedger whose concurrent charges all land (in-page lock without Web Locks)", async () => {
    const ledger = new PrivacyLedger(indexedDbLedgerStore(fakeIndexedDb(), undefined));
    const dataset = { fingerprint: A, label: "a.csv" };
    const mechanism = { samplingRate: 0.01, noiseMultiplier: 1.1, steps: 100 };
    await Promise.all([1, 2, 3].map((round) => ledger.spend(dataset, { task: "t", round, mechanism, delta: 1e-5 })));
    const [report] = await ledger.report();
    expect(report.charges.map((c) => c.round).sort()).toEqual([1, 2, 3]);
  });

  it("uses Web Locks, one lock name per data set, when the page has them", async () => {
    const names: string[] = [];
    const locks = {
      request: (name: string, fn: () => Promise<unknown>) => {
        names.push(name);
        return fn();
      },
    } as unknown as LockManager;
    const store = indexedDbLedgerStore(fakeIndexedDb(), locks);
    expect(await store.exclusive(A, async () => "done")).toBe("done");
    expect(names).toEqual([`flufhe-privacy:${A}`]);
  });
});
