"use client";

import type { ReactNode } from "react";
import { loadTask, type TaskSnapshot } from "../chain";
import { describeError } from "../errors";
import { useChainQuery } from "../hooks/useChainQuery";
import { useAppChain } from "../providers/appChain";

/** Renders `children` with the task read from the chain (kept fresh), or says it is loading or why it failed. */
export function WithTask({ id, children }: { id: bigint; children: (task: TaskSnapshot) => ReactNode }) {
  const { aggregator, deployment } = useAppChain();
  const task = useChainQuery(["task", deployment.aggregator, String(id)], () => loadTask(aggregator, id));
  if (task.error && !task.data) {
    return (
      <p role="alert" className="notice error">
        Could not read task #{String(id)}: {describeError(task.error, aggregator.interface).message}
      </p>
    );
  }
  if (!task.data) return <p role="status">Loading task…</p>;
  return children(task.data);
}
