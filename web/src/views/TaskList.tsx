"use client";

import Link from "next/link";
import { useAccount } from "wagmi";
import { useChainQuery } from "../hooks/useChainQuery";
import { useAppChain } from "../providers/appChain";
import { useChainError } from "../providers/chainHead";
import { loadTaskList, sameAddress } from "../chain";
import { POLICY_NAMES } from "../../../client/src/protocol/vocabulary";
import { describeError } from "../errors";
import { formatInt, shortAddress } from "../format";
import { specFromModelURI } from "../modelSpec";

export function modelLabel(uri: string): string {
  const spec = specFromModelURI(uri);
  if (!spec) return uri.length > 48 ? uri.slice(0, 45) + "…" : uri;
  const hidden = spec.hidden && spec.hidden.length > 0 ? ` hidden [${spec.hidden.join(", ")}]` : "";
  return `${spec.kind} ${spec.inputShape.join("×")} → ${spec.numClasses}${hidden}`;
}

export function TaskList() {
  const { aggregator, deployment } = useAppChain();
  const chainError = useChainError();
  const { address } = useAccount();
  const tasks = useChainQuery(["tasks", deployment.aggregator], () => loadTaskList(aggregator));
  return (
    <>
      <h1>Training tasks</h1>
      <p className="muted">
        Aggregator <code>{deployment.aggregator}</code> on chain {deployment.chainId}.
      </p>
      {chainError && (
        <p role="alert" className="notice error">
          {chainError}
        </p>
      )}
      <section className="panel" aria-labelledby="tasks-heading">
        <h2 id="tasks-heading">Tasks</h2>
        {tasks.isPending && !tasks.data ? (
          <p role="status">Loading tasks…</p>
        ) : tasks.error ? (
          <p role="alert" className="error-text">
            Could not read the tasks: {describeError(tasks.error).message}
          </p>
        ) : tasks.data && tasks.data.length > 0 ? (
          <table>
            <caption className="visually-hidden">Tasks on this aggregator, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Task</th>
                <th scope="col">Model</th>
                <th scope="col" className="num">
                  Parameters
                </th>
                <th scope="col">Policy</th>
                <th scope="col">Round</th>
                <th scope="col" className="num">
                  Participants
                </th>
                <th scope="col">Owner</th>
              </tr>
            </thead>
            <tbody>
              {tasks.data.map((t) => (
                <tr key={String(t.id)}>
                  <td>
                    <Link href={`/tasks/${t.id}`}>Task #{String(t.id)}</Link>
                  </td>
                  <td>{modelLabel(t.modelURI)}</td>
                  <td className="num">{formatInt(t.paramCount)}</td>
                  <td>{POLICY_NAMES[t.policy]}</td>
                  <td>
                    {t.currentRound} / {t.rounds}
                  </td>
                  <td className="num">{t.participants}</td>
                  <td>
                    <code title={t.owner}>{shortAddress(t.owner)}</code>
                    {sameAddress(t.owner, address) && <span className="muted"> (you)</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>
            No tasks yet. <Link href="/tasks/new">Create the first one</Link>.
          </p>
        )}
      </section>
    </>
  );
}
