"use client";

import { useState } from "react";
import { isHexString } from "ethers";
import { useAccount } from "wagmi";
import { roundActions, type RoundAction } from "../actions";
import type { TaskSnapshot } from "../chain";
import { TxStatus } from "../components/TxStatus";
import { useTx } from "../hooks/useTx";
import { useWallet } from "../hooks/useWallet";

const LABEL = { open: "Open round", close: "Close round", reveal: "Reveal round" } as const;

function OpenRound({
  task,
  action,
  run,
  busy,
}: {
  task: TaskSnapshot;
  action: RoundAction;
  run: ReturnType<typeof useTx>["run"];
  busy: boolean;
}) {
  const previous = task.roundInfos[task.currentRound - 1];
  // Round 1 must start from the task's model; after a failed round the global model is unchanged.
  const fixed = action.round === 1 ? task.modelHash : undefined;
  const [hash, setHash] = useState(fixed ?? (previous?.state === "Failed" ? previous.globalModelHash : ""));
  const valid = isHexString(hash, 32);
  const id = `open-hash-${action.round}`;
  return (
    <form
      className="field"
      onSubmit={(e) => {
        e.preventDefault();
        void run(`Open round ${action.round}`, (a) => a.openRound(task.id, hash));
      }}
    >
      <label htmlFor={id}>
        Global model commitment for round {action.round}
        <span className="hint">
          {" "}
          {fixed ? "(round 1 starts from the task's model)" : "(bytes32 hash of the model participants start from)"}
        </span>
      </label>
      <input
        id={id}
        className="mono"
        value={hash}
        readOnly={fixed !== undefined}
        onChange={(e) => setHash(e.target.value.trim())}
        aria-invalid={hash !== "" && !valid}
        placeholder="0x…"
        spellCheck={false}
      />
      <div className="actions">
        <button type="submit" disabled={!action.enabled || !valid || busy}>
          {LABEL.open} {action.round}
        </button>
        {action.reason && <span className="hint">{action.reason}</span>}
      </div>
    </form>
  );
}

/** Open, close and reveal, for whoever may: each with its pending and confirmed state. */
export function RoundActions({ task, now }: { task: TaskSnapshot; now: number }) {
  const { address } = useAccount();
  const wallet = useWallet();
  const tx = useTx();
  const actions = roundActions(task, address, now);
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
            action={{ ...action, enabled: action.enabled && ready }}
            run={tx.run}
            busy={tx.busy}
          />
        ) : (
          <div className="actions" key={`${action.kind}-${action.round}`} style={{ marginTop: "0.75rem" }}>
            <button
              type="button"
              disabled={!action.enabled || !ready || tx.busy}
              onClick={() =>
                void tx.run(`${LABEL[action.kind]} ${action.round}`, (a) =>
                  action.kind === "close" ? a.closeRound(task.id, action.round) : a.revealRound(task.id, action.round),
                )
              }
            >
              {LABEL[action.kind]} {action.round}
            </button>
            {action.reason && <span className="hint">{action.reason}</span>}
          </div>
        ),
      )}
      <TxStatus state={tx.state} />
    </section>
  );
}
