"use client";

import { useEffect, useRef, useState } from "react";
import { useAccount } from "wagmi";
import type { TaskEvent } from "../../../client/src/chain/events";
import { sameAddress, type TaskSnapshot } from "../chain";
import { Field, HeaderRow } from "../components/forms";
import { TxStatus } from "../components/TxStatus";
import { shortAddress } from "../format";
import { useTx, type TxRunner } from "../hooks/useTx";
import { useWallet } from "../hooks/useWallet";
import { checkAdditions, describeProgress, participantRows, type ParticipantRow } from "../participants";

/**
 * Removal in two steps: "Remove" asks "Remove from round N on?" in place, with the confirming button
 * focused; "Cancel" puts focus back on "Remove".
 */
function RemoveCell({
  account,
  round,
  busy,
  onRemove,
}: {
  account: string;
  round: number;
  busy: boolean;
  onRemove: (account: string) => void;
}) {
  const [asking, setAsking] = useState(false);
  const confirm = useRef<HTMLButtonElement>(null);
  const remove = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);
  useEffect(() => {
    if (asking) confirm.current?.focus();
    else if (returnFocus.current) remove.current?.focus();
    returnFocus.current = false;
  }, [asking]);
  if (!asking) {
    return (
      <button
        ref={remove}
        type="button"
        className="secondary"
        disabled={busy}
        aria-label={`Remove ${account} from round ${round} on`}
        onClick={() => setAsking(true)}
      >
        Remove
      </button>
    );
  }
  return (
    <span className="actions" role="group" aria-label={`Confirm the removal of ${account}`}>
      <span>Remove from round {round} on?</span>
      <button
        ref={confirm}
        type="button"
        className="danger"
        disabled={busy}
        aria-label={`Yes, remove ${account} from round ${round} on`}
        onClick={() => {
          setAsking(false);
          onRemove(account);
        }}
      >
        Yes, remove
      </button>
      <button
        type="button"
        className="secondary"
        onClick={() => {
          returnFocus.current = true;
          setAsking(false);
        }}
      >
        Cancel
      </button>
    </span>
  );
}

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
  const columns: [string][] = [
    ["Account"],
    ["Membership"],
    [round > 0 ? `Round ${round}` : "Current round"],
    [next ? `Round ${next}` : "Next round"],
    ...(onRemove ? ([["Action"]] as [string][]) : []),
  ];
  const [account, membership, current, following, action] = columns.map(([c]) => c);
  // A stack-table: one card per participant on a phone (each cell says its column), a table elsewhere.
  return (
    <table data-testid="participants-table" className="stack-table">
      <caption className="visually-hidden">Participants of task {String(task.id)}</caption>
      <HeaderRow columns={columns} />
      <tbody>
        {rows.map((r) => (
          <tr key={r.account} data-account={r.account}>
            <td data-label={account}>
              <div>
                <code title={r.account}>{shortAddress(r.account)}</code>
                {sameAddress(r.account, viewer) && " (you)"}
              </div>
            </td>
            <td data-label={membership} data-testid={`history-${r.account}`}>
              <div>{r.history}</div>
            </td>
            <td data-label={current} data-testid={`progress-${r.account}`}>
              <div>
                {r.current && !eventsRead ? (
                  <span className="muted">reading the task’s events…</span>
                ) : r.current ? (
                  <span className={r.current.completed ? "ok-text" : undefined}>{describeProgress(r.current)}</span>
                ) : (
                  <span className="muted">{round > 0 ? "not in this round" : "no round yet"}</span>
                )}
              </div>
            </td>
            <td data-label={following}>
              <div>
                {next === undefined ? <span className="muted">no rounds left</span> : r.next ? "listed" : "not listed"}
              </div>
            </td>
            {onRemove && (
              <td data-label={action}>
                <div>
                  {r.removable && next !== undefined && (
                    <RemoveCell account={r.account} round={next} busy={busy} onRemove={onRemove} />
                  )}
                </div>
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
      className="add-participants"
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
      <TxStatus state={tx.state} onDismiss={tx.reset} />
    </section>
  );
}
