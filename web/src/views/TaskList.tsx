"use client";

import Link from "next/link";
import { useId, useState } from "react";
import { useAccount } from "wagmi";
import { useChainQuery } from "../hooks/useChainQuery";
import { useAppChain } from "../providers/appChain";
import { useChainError, useChainNow } from "../providers/chainHead";
import { loadTaskList, sameAddress, type TaskSummary } from "../chain";
import { POLICY_NAMES } from "../../../client/src/protocol/vocabulary";
import { Term } from "../components/Term";
import { describeError } from "../errors";
import { formatInt, shortAddress } from "../format";
import { modelLabel, taskAbout } from "../modelSpec";
import { taskStatus, type TaskPhase } from "../roundOutcome";

/** Which tasks the list shows: all, those the connected account owns, or those it is listed in. */
export type TaskFilter = "all" | "owned" | "joined";

const FILTERS: [TaskFilter, string][] = [
  ["all", "All tasks"],
  ["owned", "Tasks I own"],
  ["joined", "Tasks I take part in"],
];

/** The tasks `filter` keeps for `account` (all of them without an account). */
export function filterTasks(tasks: TaskSummary[], filter: TaskFilter, account: string | undefined): TaskSummary[] {
  if (!account || filter === "all") return tasks;
  return tasks.filter((t) =>
    filter === "owned" ? sameAddress(t.owner, account) : t.members.some((m) => sameAddress(m, account)),
  );
}

/** The badge class of a phase (globals.css colours them). */
const PHASE_CLASS: Record<TaskPhase, string> = {
  "not started": "None",
  open: "Open",
  "will fail": "Failed",
  "waiting for reveal": "Closed",
  "between rounds": "Revealed",
  "failed round": "Failed",
  finished: "Revealed",
};

/** All, mine or joined: needs a connected account for the last two. */
function FilterChoice({
  filter,
  setFilter,
  account,
}: {
  filter: TaskFilter;
  setFilter: (f: TaskFilter) => void;
  account?: string;
}) {
  const name = useId();
  return (
    <fieldset className="filter">
      <legend>Show</legend>
      {FILTERS.map(([value, label]) => (
        <label key={value}>
          <input
            type="radio"
            name={name}
            checked={(account ? filter : "all") === value}
            disabled={!account && value !== "all"}
            onChange={() => setFilter(value)}
          />{" "}
          {label}
        </label>
      ))}
      {!account && <span className="hint">Connect a wallet to see only your tasks.</span>}
    </fieldset>
  );
}

/** One task: its name and description, state, model, policy, participants, owner. */
function TaskRow({ task, account, now }: { task: TaskSummary; account?: string; now: number }) {
  const { name, description } = taskAbout(task);
  const status = taskStatus(task, now);
  return (
    <tr data-testid={`task-row-${task.id}`}>
      <td data-label="Task">
        <div>
          <Link href={`/tasks/${task.id}`}>
            Task #{String(task.id)}
            {name && `: ${name}`}
          </Link>
          {description && <p className="hint clamp">{description}</p>}
        </div>
      </td>
      <td data-label="State">
        <div>
          <span className={`badge ${PHASE_CLASS[status.phase]}`} data-testid={`task-state-${task.id}`}>
            {status.phase}
          </span>
          <br />
          <span className="hint">{status.detail}</span>
        </div>
      </td>
      <td data-label="Model">
        <div>
          {modelLabel(task.modelURI)}
          <br />
          <span className="hint">{formatInt(task.paramCount)} parameters</span>
        </div>
      </td>
      <td data-label="Policy">
        <div>{POLICY_NAMES[task.policy]}</div>
      </td>
      <td data-label="Participants" className="num">
        <div>{task.participants}</div>
      </td>
      <td data-label="Owner">
        <div>
          <code title={task.owner}>{shortAddress(task.owner)}</code>
          {sameAddress(task.owner, account) && <span className="muted"> (you)</span>}
        </div>
      </td>
    </tr>
  );
}

export function TaskTable({ tasks, account, now }: { tasks: TaskSummary[]; account?: string; now: number }) {
  return (
    <table className="stack-table">
      <caption className="visually-hidden">Tasks on this aggregator, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Task</th>
          <th scope="col">State</th>
          <th scope="col">Model</th>
          <th scope="col">
            <Term id="policy">Policy</Term>
          </th>
          <th scope="col" className="num">
            Participants
          </th>
          <th scope="col">Owner</th>
        </tr>
      </thead>
      <tbody>
        {tasks.map((t) => (
          <TaskRow key={String(t.id)} task={t} account={account} now={now} />
        ))}
      </tbody>
    </table>
  );
}

/** The aggregator's tasks, newest first, with their state; filtered to the connected account's on request. */
export function TaskList() {
  const { aggregator, deployment } = useAppChain();
  const chainError = useChainError();
  const now = useChainNow();
  const { address } = useAccount();
  const [filter, setFilter] = useState<TaskFilter>("all");
  const tasks = useChainQuery(["tasks", deployment.aggregator], () => loadTaskList(aggregator));
  const shown = tasks.data && filterTasks(tasks.data, filter, address);
  return (
    <>
      {chainError && (
        <p role="alert" className="notice error">
          {chainError}
        </p>
      )}
      <section className="panel" aria-labelledby="tasks-heading">
        <h2 id="tasks-heading">Tasks</h2>
        <p className="hint">
          Aggregator <code>{deployment.aggregator}</code> on chain {deployment.chainId}.
        </p>
        {tasks.isPending && !tasks.data ? (
          <p role="status">Loading tasks…</p>
        ) : tasks.error ? (
          <p role="alert" className="error-text">
            Could not read the tasks: {describeError(tasks.error).message}
          </p>
        ) : tasks.data && tasks.data.length > 0 && shown ? (
          <>
            <FilterChoice filter={filter} setFilter={setFilter} account={address} />
            {shown.length > 0 ? (
              <TaskTable tasks={shown} account={address} now={now} />
            ) : (
              <p role="status">
                {filter === "owned"
                  ? "Your account owns none of these tasks."
                  : "Your account is listed in none of these tasks."}
              </p>
            )}
          </>
        ) : (
          <p>
            No tasks yet. <Link href="/tasks/new">Create the first one</Link>.
          </p>
        )}
      </section>
    </>
  );
}
