"use client";

import { Policy } from "../../../client/src/protocol/vocabulary";
import type { TaskSnapshot } from "../chain";
import { ModelResult } from "../components/ModelResult";
import { StepList } from "../components/Steps";
import { aggregateDownload } from "../decryption/download";
import { useDecryption } from "../hooks/useDecryption";
import type { TaskActivity } from "../hooks/useTaskActivity";
import { useWallet } from "../hooks/useWallet";
import { useAppChain } from "../providers/appChain";
import { PublishClear } from "./PublishClear";

function policyHint(isPublic: boolean, ready: boolean): string {
  if (isPublic) {
    return "Public policy: anyone may make the aggregate decryptable and post the clear values with the KMS proof.";
  }
  return ready
    ? "Participants policy: you sign a user-decryption request; the aggregate is decrypted for you alone, in this browser."
    : "Participants policy: connect the wallet of the task owner or a participant of this round to decrypt.";
}

/** The averaged update of a revealed round: pick the round, decrypt it per the task's policy, inspect and download it. */
export function DecryptPanel({
  task,
  activity,
  onDecrypted,
}: {
  task: TaskSnapshot;
  activity: TaskActivity;
  onDecrypted?: (round: number, words: readonly bigint[]) => void;
}) {
  const { deployment } = useAppChain();
  const wallet = useWallet();
  const d = useDecryption(task, activity, onDecrypted);
  const { round, decoded, decryption } = d;

  if (round === undefined) {
    return (
      <section className="panel" aria-labelledby="decrypt-heading">
        <h2 id="decrypt-heading">Round aggregates</h2>
        <p className="muted">
          No round has been revealed yet: the aggregate can be decrypted once a round is revealed.
        </p>
      </section>
    );
  }
  const isPublic = task.policy === Policy.Public;
  const ready = wallet.status === "ready";
  return (
    <section className="panel" aria-labelledby="decrypt-heading">
      <h2 id="decrypt-heading">Round aggregates</h2>
      <div className="actions">
        <label htmlFor="decrypt-round">Round</label>
        <select id="decrypt-round" value={round} onChange={(e) => d.choose(Number(e.target.value))}>
          {d.revealed.map((r) => (
            <option key={r.round} value={r.round}>
              Round {r.round}
            </option>
          ))}
        </select>
        {isPublic ? (
          <button type="button" onClick={d.decrypt} disabled={decryption.running}>
            Public-decrypt round {round}
          </button>
        ) : (
          <button type="button" onClick={d.decrypt} disabled={!ready || decryption.running}>
            Decrypt round {round}
          </button>
        )}
      </div>
      <p className="hint">{policyHint(isPublic, ready)}</p>
      {decryption.steps.length > 0 && <StepList steps={decryption.steps} label={`Decryption of round ${round}`} />}
      {decryption.failure && (
        <p role="alert" className={decryption.failure.rejected ? "warning-text" : "error-text"}>
          {decryption.failure.rejected ? "Signature rejected: nothing was decrypted. " : "Decryption failed: "}
          {decryption.failure.message}
        </p>
      )}
      {decoded && (
        <>
          <ModelResult
            values={decoded.values}
            title={`Averaged update of round ${round}`}
            download={aggregateDownload(deployment, task, decoded)}
          />
          {isPublic && (
            <PublishClear
              info={task.roundInfos[round - 1]}
              ready={ready}
              toPublish={d.toPublish}
              publication={d.publication}
              onPublish={d.publish}
            />
          )}
        </>
      )}
    </section>
  );
}
