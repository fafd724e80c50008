"use client";

import { useState } from "react";
import { useAccount } from "wagmi";
import type { TaskEvent } from "../../../client/src/chain/events";
import { sameAddress, type TaskSnapshot } from "../chain";
import { Field, HeaderRow } from "../components/forms";
import { TxStatus } from "../components/TxStatus";
import { shortAddress } from "../format";
import { useTx, type TxRunner } from "../hooks/useTx";
import { useWallet } from "../hooks/useWallet";
import { checkAdditions, describeProgress, participantRows, type ParticipantRow } from "../participants";

/** The participants table: history, this round's progress, next round, and (for the owner) removal. */
export function ParticipantTable({
  task,
  rows,
  viewer,
  onRemove,
  busy,
  eventsRead = true,
}: {
  task: TaskSnapshot;
  rows: ParticipantRow[];
  viewer?: string;
  onRemove?: (account: string) => void;
  busy: boolean;
  /** False until the task's events are scanned: progress is not known yet. */
  eventsRead?: boolean;
}) {
  const round = task.currentRound;
  const next = round < task.rounds ? round + 1 : undefined;
  if (rows.length === 0) return <p className="muted">Nobody is listed.</p>;
  return (
    <table data-testid="participants-table">
      <caption className="visually-hidden">Participants of task {String(task.id)}</caption>
      <HeaderRow
        columns={[
          ["Account"],
          ["Membership"],
          [round > 0 ? `Round ${round}` : "Current round"],
          [next ? `Round ${next}` : "Next round"],
          ...(onRemove ? ([["Action"]] as [string][]) : []),
        ]}
      />
      <tbody>
        {rows.map((r) => (
          <tr key={r.account} data-account={r.account}>
            <td>
              <code title={r.account}>{shortAddress(r.account)}</code>
              {sameAddress(r.account, viewer) && " (you)"}
            </td>
            <td data-testid={`history-${r.account}`}>{r.history}</td>
            <td data-testid={`progress-${r.account}`}>
              {r.current && !eventsRead ? (
                <span className="muted">reading the task’s events…</span>
              ) : r.current ? (
                <span className={r.current.completed ? "ok-text" : undefined}>{describeProgress(r.current)}</span>
              ) : (
                <span className="muted">{round > 0 ? "not in this round" : "no round yet"}</span>
              )}
            </td>
            <td>
              {next === undefined ? <span className="muted">no rounds left</span> : r.next ? "listed" : "not listed"}
            </td>
            {onRemove && (
              <td>
                {r.removable && (
                  <button
                    type="button"
                    className="secondary"
                    disabled={busy}
                    aria-label={`Remove ${r.account} from round ${next} on`}
                    onClick={() => onRemove(r.account)}
                  >
                    Remove
                  </button>
                )}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The owner's form: paste addresses, checked against what the contract would refuse before sending. */
export function AddParticipants({
  task,
  tx,
  enabled,
}: {
  task: TaskSnapshot;
  tx: Pick<TxRunner, "run" | "busy">;
  enabled: boolean;
}) {
  const [text, setText] = useState("");
  const next = task.currentRound + 1;
  const { addresses, errors } = checkAdditions(task, text);
  const blank = text.trim() === "";
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (errors.length > 0 || addresses.length === 0) return;
        void tx
          .run(`Add ${addresses.length} participant(s)`, { fn: "addParticipants", taskId: task.id }, [
            task.id,
            addresses,
          ])
          .then((receipt) => receipt && setText(""));
      }}
    >
      <Field
        label="Addresses to add"
        hint={`They take part from round ${next} on (one per line, or separated by commas); a late joiner's node fetches the global model its first round opens with.`}
      >
        {(p) => (
          <textarea
            {...p}
            className="mono"
            rows={2}
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-invalid={!blank && errors.length > 0}
            spellCheck={false}
          />
        )}
      </Field>
      {!blank && errors.length > 0 && (
        <ul className="error-text" aria-live="polite">
          {errors.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
      <div className="actions">
        <button type="submit" disabled={!enabled || tx.busy || blank || errors.length > 0 || addresses.length === 0}>
          Add participants
        </button>
      </div>
    </form>
  );
}

/** Who takes part: each account's history and progress; the owner adds and removes from the next round on. */
export function Participants({
  task,
  events,
  eventsRead,
}: {
  task: TaskSnapshot;
  events: readonly TaskEvent[];
  /** Whether the task's events have been scanned up to the chain head once. */
  eventsRead: boolean;
}) {
  const { address } = useAccount();
  const wallet = useWallet();
  const tx = useTx();
  const owner = sameAddress(address, task.owner);
  const ready = wallet.status === "ready";
  const rows = participantRows(task, events, address);
  const listed = rows.filter((r) => r.next).length;
  return (
    <section className="panel" aria-labelledby="participants-heading">
      <h2 id="participants-heading">Participants</h2>
      <p className="hint">
        {task.currentRound < task.rounds
          ? `${listed} listed for round ${task.currentRound + 1} (cohort ${task.minCohort}–${task.maxCohort}).`
          : "Every round has been opened."}{" "}
        Changes take effect from the next round; past rounds keep their members.
      </p>
      <ParticipantTable
        task={task}
        rows={rows}
        viewer={address}
        busy={tx.busy || !ready}
        eventsRead={eventsRead}
        onRemove={
          owner
            ? (account) =>
                void tx.run(`Remove ${shortAddress(account)}`, { fn: "removeParticipants", taskId: task.id }, [
                  task.id,
                  [account],
                ])
            : undefined
        }
      />
      {owner && task.currentRound < task.rounds && <AddParticipants task={task} tx={tx} enabled={ready} />}
      <TxStatus state={tx.state} />
    </section>
  );
}
