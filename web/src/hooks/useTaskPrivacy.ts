"use client";

import { useEffect, useState } from "react";
import { readTaskIdentity } from "../../../client/src/chain/taskIdentity";
import type { PrivacyTerms } from "../../../client/src/protocol/privacy";
import { describeError } from "../errors";
import { chainPrivacy, ledgerTaskLabel } from "../participate/privacy";
import { useAppChain } from "../providers/appChain";

export interface TaskPrivacy {
  /** The chain has answered (`chain` is then its promise, undefined for none). */
  loaded: boolean;
  /** The promise the contract stores for the task. */
  chain?: PrivacyTerms;
  /** The task as the privacy ledger names it (the node's label). */
  label?: string;
  error?: string;
}

/**
 * The task's on-chain DP promise and its ledger label, read once: no function changes a task's privacy
 * terms or its creation block after createTask.
 */
export function useTaskPrivacy(taskId: bigint): TaskPrivacy {
  const { aggregator } = useAppChain();
  const [state, setState] = useState<TaskPrivacy>({ loaded: false });
  useEffect(() => {
    let cancelled = false;
    Promise.all([chainPrivacy(aggregator, taskId), readTaskIdentity(aggregator, taskId)]).then(
      ([chain, identity]) => !cancelled && setState({ loaded: true, chain, label: ledgerTaskLabel(identity) }),
      (e: unknown) =>
        !cancelled &&
        setState({ loaded: false, error: `Could not read the task's privacy terms: ${describeError(e).message}` }),
    );
    return () => {
      cancelled = true;
    };
  }, [aggregator, taskId]);
  return state;
}
