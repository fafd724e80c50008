"use client";

import { useEffect, useRef, useState } from "react";
import type { TransactionReceipt } from "ethers";
import {
  decodeTaskLogs,
  fetchTaskLogs,
  transactionCosts,
  type TaskEvent,
  type TxCost,
} from "../../../client/src/chain/events";
import { fhevmConnection } from "../fhe";
import { useAppChain } from "../providers/appChain";
import { useChainHead } from "../providers/chainHead";

/** Everything the task's events tell, scanned incrementally block by block. */
export interface TaskActivity {
  events: TaskEvent[];
  costs: TxCost[];
  /** Last block scanned (-1 before the first scan). */
  scannedTo: number;
  /** False when HCU cannot be metered here (no fhEVM host contracts readable). */
  hcuMetered: boolean;
  error?: string;
}

/**
 * Follows a task's contract events from the deployment block on: each new block, the new logs are
 * decoded, and every new transaction's receipt gives its gas and (from the coprocessor events) HCU.
 */
export function useTaskActivity(taskId: bigint): TaskActivity {
  const { provider, deployment } = useAppChain();
  const head = useChainHead();
  const [activity, setActivity] = useState<TaskActivity>({ events: [], costs: [], scannedTo: -1, hcuMetered: true });
  const scanning = useRef(false);
  const scanned = useRef(deployment.blockNumber - 1);
  const seenTx = useRef(new Set<string>());
  const [again, setAgain] = useState(0);
  const alive = useRef(true);

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  useEffect(() => {
    if (!head || scanning.current || head.number <= scanned.current) return;
    scanning.current = true;
    const from = scanned.current + 1;
    const to = head.number;
    (async () => {
      const events = decodeTaskLogs(await fetchTaskLogs(provider, deployment.aggregator, taskId, from, to));
      const newTx = [...new Set(events.map((e) => e.txHash))].filter((h) => !seenTx.current.has(h));
      let hcuOf: (r: TransactionReceipt) => number = () => Number.NaN;
      if (newTx.length > 0) {
        try {
          hcuOf = (await fhevmConnection(deployment.chainId, provider)).hcuOf;
        } catch {
          // no fhEVM host contracts here: gas only
        }
      }
      const costs = await transactionCosts(provider, newTx, events, hcuOf);
      if (!alive.current) return;
      newTx.forEach((h) => seenTx.current.add(h));
      scanned.current = to;
      setActivity((a) => ({
        events: [...a.events, ...events],
        costs: [...a.costs, ...costs],
        scannedTo: to,
        error: undefined,
        hcuMetered: a.hcuMetered && costs.every((c) => !Number.isNaN(c.hcu)),
      }));
    })().then(
      () => {
        scanning.current = false;
        if (alive.current) setAgain((n) => n + 1); // catch up with blocks that arrived meanwhile
      },
      (error: unknown) => {
        scanning.current = false; // retried with the next block
        if (alive.current) {
          setActivity((a) => ({ ...a, error: `Could not read the task's events: ${(error as Error).message}` }));
        }
      },
    );
  }, [head, provider, deployment, taskId, again]);

  return activity;
}
