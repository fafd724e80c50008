"use client";

import type { RoundSnapshot } from "../chain";
import { StepList } from "../components/Steps";
import { shortHash } from "../format";
import type { FlowRunner } from "../hooks/useFlow";

/** PUBLIC policy: the clear aggregate's on-chain commitment once verified, or the button that posts it. */
export function PublishClear({
  info,
  ready,
  toPublish,
  publication,
  onPublish,
}: {
  info: RoundSnapshot;
  ready: boolean;
  toPublish: number[];
  publication: FlowRunner;
  onPublish: () => void;
}) {
  return (
    <div style={{ marginTop: "1rem" }}>
      {info.clearCommitment ? (
        <p className="ok-text">
          The clear aggregate is verified on-chain (commitment{" "}
          <code title={info.clearCommitment}>{shortHash(info.clearCommitment)}</code>).
        </p>
      ) : (
        <button type="button" onClick={onPublish} disabled={!ready || publication.running || toPublish.length === 0}>
          Post the clear aggregate on-chain
        </button>
      )}
      {publication.steps.length > 0 && (
        <StepList steps={publication.steps} label="Publication of the clear aggregate" />
      )}
      {publication.failure && (
        <p role="alert" className="error-text">
          {publication.failure.message}
        </p>
      )}
    </div>
  );
}
