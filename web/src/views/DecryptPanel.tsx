"use client";

import { Policy } from "../../../client/src/protocol/vocabulary";
import type { TaskSnapshot } from "../chain";
import { ModelResult } from "../components/ModelResult";
import { StepList } from "../components/Steps";
import { aggregateDownload, type DecodedValues } from "../decryption/download";
import { formatInt } from "../format";
import { specFromModelURI } from "../modelSpec";
import { useDecryption } from "../hooks/useDecryption";
import type { RoundAggregates } from "../hooks/useRoundAggregates";
import type { TaskActivity } from "../hooks/useTaskActivity";
import { useWallet } from "../hooks/useWallet";
import { useAppChain } from "../providers/appChain";
import { PublishClear } from "./PublishClear";

/** Who may decrypt under the task's policy, and what is missing when the button cannot work yet. */
function policyHint(isPublic: boolean, ready: boolean, needsWallet: boolean): string {
  if (isPublic) {
    return needsWallet && !ready
      ? "Public policy: nobody has made this aggregate publicly decryptable yet. That is one transaction from any " +
          "wallet: connect one to do it, or come back once someone has; then anyone can decrypt it without a wallet."
      : "Public policy: anyone may make the aggregate decryptable and post the clear values with the KMS proof.";
  }
  return ready
    ? "Participants policy: you sign a user-decryption request; the aggregate is decrypted for you alone, in this browser."
    : "Participants policy: connect the wallet of the task owner or a participant of this round to decrypt.";
}

/** What the panel shows for a decoded round, said plainly: the title and, when it matters, how it was decoded. */
function decodedLabel(task: TaskSnapshot, decoded: DecodedValues): { title: string; note?: string } {
  const { round, encoding, values } = decoded;
  if (encoding === undefined) {
    return {
      title: `Averaged update of round ${round}`,
      note: "The task's model spec is not inline, so its encoding is unknown: decoded as today's codec (one lane per parameter).",
    };
  }
  if (encoding === "quant") return { title: `Averaged update of round ${round}` };
  return {
    title: `Averaged model update of round ${round}, decoded from ${encoding}`,
    note:
      `The chain summed ${formatInt(task.layout.paramCount)} encoded values per participant; shown are the ` +
      `${formatInt(values.length)} model-parameter deltas decoded from them with the task's encoding and the round's ` +
      "public context, the update the global-model rebuild applies for this round.",
  };
}

/** The averaged update of a revealed round: pick the round, decrypt it per the task's policy, inspect and download it. */
export function DecryptPanel({
  task,
  activity,
  aggregates,
}: {
  task: TaskSnapshot;
  activity: TaskActivity;
  /** The rounds decrypted in this visit, shared with the global-model rebuild. */
  aggregates: RoundAggregates;
}) {
  const { deployment } = useAppChain();
  const wallet = useWallet();
  const d = useDecryption(task, activity, aggregates);
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
  const label = decoded && decodedLabel(task, decoded);
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
        {!decoded && (
          <button type="button" onClick={d.decrypt} disabled={decryption.running || (d.needsWallet && !ready)}>
            {isPublic ? "Public-decrypt" : "Decrypt"} round {round}
          </button>
        )}
      </div>
      <p className="hint">{policyHint(isPublic, ready, d.needsWallet)}</p>
      <p className="hint" data-testid="decrypt-explained">
        <em>
          {isPublic ? "Public-decrypt" : "Decrypt"} round {round}
        </em>{" "}
        shows that round&apos;s averaged update (statistics, histogram, JSON download) for inspection; it does not
        change the model.
        {specFromModelURI(task.modelURI) && (
          <>
            {" "}
            <em>Rebuild the global model</em> (Global model, above) decrypts every revealed round it needs and applies
            them; either reuses what the other decrypted.
          </>
        )}
      </p>
      {decryption.steps.length > 0 && <StepList steps={decryption.steps} label={`Decryption of round ${round}`} />}
      {decryption.failure && (
        <p role="alert" className={decryption.failure.rejected ? "warning-text" : "error-text"}>
          {decryption.failure.rejected ? "Signature rejected: nothing was decrypted. " : "Decryption failed: "}
          {decryption.failure.message}
        </p>
      )}
      {label && decoded && (
        <>
          <ModelResult
            values={decoded.values}
            title={label.title}
            note={label.note}
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
