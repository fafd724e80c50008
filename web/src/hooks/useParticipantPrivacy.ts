"use client";

import type { DatasetRef } from "../../../client/src/privacy/ledger";
import type { ModelSpec } from "../../../client/src/protocol/modelSpec";
import type { TaskSnapshot } from "../chain";
import { promiseProblem, roundsLeft, type TaskOutlook } from "../participate/privacy";
import type { BrowserLedgerStore } from "../participate/privacyLedgerStore";
import { usePrivacyLedger } from "./usePrivacyLedger";
import { useTaskPrivacy } from "./useTaskPrivacy";

/**
 * Everything the participate page shows and checks about privacy: the task's promise (its spec's terms)
 * and what is wrong with it (the chain disagrees, or it understates epsilon), the picked data's ledger
 * entry, and the task's rounds still to be charged to that data.
 */
export function useParticipantPrivacy({
  task,
  spec,
  ledgerStore,
  dataset,
  refresh,
}: {
  task: TaskSnapshot;
  spec: ModelSpec | undefined;
  ledgerStore: BrowserLedgerStore;
  dataset: DatasetRef | undefined;
  /** Reads the ledger again when it changes (a round run charges it). */
  refresh: unknown;
}) {
  const onChain = useTaskPrivacy(task.id);
  const ledger = usePrivacyLedger(ledgerStore, dataset, refresh);
  const terms = spec?.privacy;
  // The spec's promise must be the chain's (and honest) before the page trains on it.
  const problem =
    onChain.error ?? (onChain.loaded && spec ? promiseProblem(terms, onChain.chain, task.rounds) : undefined);
  const info = task.roundInfos[task.currentRound - 1];
  const outlook: TaskOutlook = {
    terms,
    rounds: roundsLeft(
      { currentRound: task.currentRound, rounds: task.rounds, currentOpen: info?.state === "Open" },
      ledger.account?.charges ?? [],
      onChain.label ?? "",
    ),
  };
  return { terms, checked: onChain.loaded && !problem, problem, ledger, outlook };
}
