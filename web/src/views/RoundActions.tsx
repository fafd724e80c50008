"use client";

import { useState } from "react";
import { isHexString } from "ethers";
import { useAccount } from "wagmi";
import { roundActions, type RoundAction } from "../actions";
import type { TaskSnapshot } from "../chain";
import { TxStatus } from "../components/TxStatus";
import { shortHash } from "../format";
import type { GlobalModelState } from "../hooks/useGlobalModel";
import { settledRound } from "../model/rebuild";
import { afterFailure, failureForecast, quorumRisk } from "../roundOutcome";
import { useTx } from "../hooks/useTx";
import { useWallet } from "../hooks/useWallet";

const LABEL = { open: "Open round", close: "Close round", reveal: "Reveal round" } as const;

/** A commitment typed by hand: only for tasks whose model the page cannot rebuild (not an inline spec). */
function ManualCommitment({
  task,
  action,
  value,
  onChange,
}: {
  task: TaskSnapshot;
  action: RoundAction;
  value: string;
  onChange: (hash: string) => void;
}) {
  const id = `open-hash-${action.round}`;
  const valid = isHexString(value, 32);
  return (
    <>
      <label htmlFor={id}>
        Global model commitment for round {action.round}
        <span className="hint">
          {" "}
          (bytes32 hash of the model participants start from: task {String(task.id)}’s model is not an inline spec, so
          this page cannot rebuild it)
        </span>
      </label>
      <input
        id={id}
        className="mono"
        value={value}
        onChange={(e) => onChange(e.target.value.trim())}
        aria-invalid={value !== "" && !valid}
        placeholder="0x…"
        spellCheck={false}
      />
    </>
  );
}

/**
 * The commitment round `action.round` opens with: the task's model for round 1; later the model this
 * page rebuilt from the revealed aggregates (useGlobalModel), never pasted; typed by hand only for a
 * task whose model is not an inline spec.
 */
function OpenRound({
  task,
  action,
  next,
  doomed,
  run,
  busy,
}: {
  task: TaskSnapshot;
  action: RoundAction;
  next?: GlobalModelState;
  /** The round before can no longer reach K: it will fail and leave the model as it was. */
  doomed: boolean;
  run: ReturnType<typeof useTx>["run"];
  busy: boolean;
}) {
  const previous = task.roundInfos[task.currentRound - 1];
  const rebuildable = next?.spec !== undefined;
  // Without a spec: after a failed round the global model is unchanged.
  const [typed, setTyped] = useState(previous?.state === "Failed" ? previous.globalModelHash : "");
  let hash: string | undefined;
  let source: string;
  if (action.round === 1) {
    hash = task.modelHash;
    source = "the task’s initial model";
  } else if (rebuildable) {
    const model = next?.model?.afterRound === action.round - 1 ? next.model : undefined;
    hash = model?.commitment;
    const previousRound = action.round - 1;
    source = model
      ? `the model after round ${previousRound}, rebuilt in this browser`
      : doomed
        ? `the same model as round ${previousRound}, once round ${previousRound} is closed (it will fail)`
        : settledRound(task) < previousRound
          ? `the model after round ${previousRound}, which this page rebuilds once round ${previousRound} is revealed`
          : next?.toDecrypt.length
            ? `the model after round ${previousRound}: rebuild it first (Global model, below)`
            : "the global model, being rebuilt…";
  } else {
    hash = isHexString(typed, 32) ? typed : undefined;
    source = "typed by hand";
  }
  return (
    <form
      className="field"
      onSubmit={(e) => {
        e.preventDefault();
        if (hash)
          void run(`Open round ${action.round}`, { fn: "openRound", taskId: task.id, round: action.round }, [
            task.id,
            hash,
          ]);
      }}
    >
      {action.round === 1 || rebuildable ? (
        <p style={{ margin: 0 }}>
          Round {action.round} starts from {source}
          {hash && (
            <>
              :{" "}
              <code data-testid={`open-commitment-${action.round}`} title={hash}>
                {shortHash(hash)}
              </code>
            </>
          )}
        </p>
      ) : (
        <ManualCommitment task={task} action={action} value={typed} onChange={setTyped} />
      )}
      <div className="actions">
        <button type="submit" disabled={!action.enabled || !hash || busy}>
          {LABEL.open} {action.round}
        </button>
        {action.reason && <span className="hint">{action.reason}</span>}
      </div>
    </form>
  );
}

/** Before the current round is closed: that it will fail (deadline passed below K), or how far it is from K. */
function CloseForecast({ task, now }: { task: TaskSnapshot; now: number }) {
  const round = task.roundInfos[task.currentRound - 1];
  if (!round) return null;
  const fails = failureForecast(round, task.minCohort, now);
  if (fails) {
    const [head, ...rest] = fails.split(":");
    return (
      <p className="notice warn" role="status" data-testid="failure-forecast">
        <strong>{head}:</strong>
        {rest.join(":")} {afterFailure(round.round, task.rounds)}
      </p>
    );
  }
  const risk = quorumRisk(round, task.minCohort, now);
  return risk ? (
    <p className="hint" data-testid="quorum-risk">
      {risk}
    </p>
  ) : null;
}

/** Open, close and reveal, for whoever may: each with its pending and confirmed state. */
export function RoundActions({ task, now, next }: { task: TaskSnapshot; now: number; next?: GlobalModelState }) {
  const { address } = useAccount();
  const wallet = useWallet();
  const tx = useTx();
  const actions = roundActions(task, address, now);
  const current = task.roundInfos[task.currentRound - 1];
  const ready = wallet.status === "ready";
  return (
    <section className="panel" aria-labelledby="actions-heading">
      <h2 id="actions-heading">Round actions</h2>
      {!ready && (
        <p className="hint">
          {wallet.status === "wrong-chain" ? "Switch your wallet to the aggregator's chain" : "Connect a wallet"} to act
          on this task.
        </p>
      )}
      {actions.length === 0 && <p className="muted">Nothing to do: every round has been used.</p>}
      {actions.map((action) =>
        action.kind === "open" ? (
          <OpenRound
            key={`open-${action.round}`}
            task={task}
            next={next}
            doomed={current !== undefined && failureForecast(current, task.minCohort, now) !== undefined}
            action={{ ...action, enabled: action.enabled && ready }}
            run={tx.run}
            busy={tx.busy}
          />
        ) : (
          <div key={`${action.kind}-${action.round}`} style={{ marginTop: "0.75rem" }}>
            {action.kind === "close" && <CloseForecast task={task} now={now} />}
            <div className="actions">
              <button
                type="button"
                disabled={!action.enabled || !ready || tx.busy}
                onClick={() =>
                  void tx.run(
                    `${LABEL[action.kind]} ${action.round}`,
                    {
                      fn: action.kind === "close" ? "closeRound" : "revealRound",
                      taskId: task.id,
                      round: action.round,
                    },
                    [task.id, action.round],
                  )
                }
              >
                {LABEL[action.kind]} {action.round}
              </button>
              {action.reason && <span className="hint">{action.reason}</span>}
            </div>
          </div>
        ),
      )}
      <TxStatus state={tx.state} onDismiss={tx.reset} />
    </section>
  );
}
