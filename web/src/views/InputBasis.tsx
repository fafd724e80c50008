"use client";

import { useState } from "react";
import { encodingName } from "../../../client/src/codec/encoding";
import type { ModelSpec } from "../../../client/src/protocol/modelSpec";
import { ErrorAlert } from "../components/forms";
import { shortHash } from "../format";
import type { InputBasisState } from "../hooks/useInputBasis";

/**
 * A pca task's public input basis: held in this browser (checked against the digest the spec commits
 * to), or a file picker to load the `<digest>.json` the owner published. Nothing for other tasks.
 */
export function InputBasisField({ spec, state }: { spec: ModelSpec; state: InputBasisState }) {
  const [error, setError] = useState<string>();
  const { digest, held } = state;
  if (digest === undefined || held === undefined) return <ErrorAlert message={state.error} />;
  const code = (
    <code data-testid="input-basis-digest" title={digest}>
      {shortHash(digest)}
    </code>
  );
  if (held) {
    return (
      <p data-testid="input-basis-held">
        Input basis {code} <span className="ok-text">✓ held in this browser, checked against the task’s spec</span>
      </p>
    );
  }
  return (
    <>
      <p data-testid="needs-input-basis">
        This task’s {encodingName(spec.encoding!)} encoding sends the first layer projected onto public input directions
        the owner computed from public records: encoding an update and decoding a round need that input basis ({code}).
        Load the file <code>{digest}.json</code> the owner published beside the task’s models (their .flufhe/models
        folder, or flufhe serve-models); it is checked against the digest before it is kept.
      </p>
      <label>
        Input basis file{" "}
        <input
          type="file"
          accept=".json,application/json"
          data-testid="input-basis-file"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (!file) return;
            setError(undefined);
            state.load(file).catch((err: unknown) => setError((err as Error).message));
          }}
        />
      </label>
      <ErrorAlert message={error ?? state.error} />
    </>
  );
}
