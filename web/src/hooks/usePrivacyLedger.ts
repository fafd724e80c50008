"use client";

import { useCallback, useEffect, useMemo, useState } from "react";
import {
  PrivacyLedger,
  type DatasetAccount,
  type DatasetRef,
  type PrivacyBudget,
} from "../../../client/src/privacy/ledger";
import { describeError } from "../errors";
import type { BrowserLedgerStore } from "../participate/privacyLedgerStore";

export interface DataLedger {
  /** Where this browser keeps the ledger ("memory": only until the page closes). */
  kind: BrowserLedgerStore["kind"];
  /** The data's account (undefined before anything was set or charged, or before a file is picked). */
  account?: DatasetAccount;
  error?: string;
  /** Sets or replaces the data's budget (throws with what is wrong with it). */
  setBudget(budget: PrivacyBudget): Promise<void>;
}

/**
 * The privacy-ledger entry of the picked data: read on every new file and whenever `refresh` changes (a
 * round run charges it), and after the page sets its budget.
 */
export function usePrivacyLedger(
  store: BrowserLedgerStore,
  dataset: DatasetRef | undefined,
  refresh: unknown,
): DataLedger {
  const ledger = useMemo(() => new PrivacyLedger(store), [store]);
  const [read, setRead] = useState<{ fingerprint?: string; account?: DatasetAccount; error?: string }>({});
  const [writes, setWrites] = useState(0);
  const fingerprint = dataset?.fingerprint;

  useEffect(() => {
    if (!fingerprint) return;
    let cancelled = false;
    store.load(fingerprint).then(
      (account) => !cancelled && setRead({ fingerprint, account }),
      (e: unknown) => !cancelled && setRead({ fingerprint, error: describeError(e).message }),
    );
    return () => {
      cancelled = true;
    };
  }, [store, fingerprint, refresh, writes]);

  const setBudget = useCallback(
    async (budget: PrivacyBudget) => {
      if (!dataset) throw new Error("pick your data file first");
      await ledger.setBudget(dataset, budget);
      setWrites((n) => n + 1);
    },
    [ledger, dataset],
  );

  // An answer about another file is not shown for this one.
  const current = read.fingerprint === fingerprint ? read : {};
  return { kind: store.kind, account: current.account, error: current.error, setBudget };
}
