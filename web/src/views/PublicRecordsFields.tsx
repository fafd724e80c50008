"use client";

import { inputBasisFile } from "../../../client/src/protocol/inputBasisFile";
import { Field, InputField } from "../components/forms";
import { shortHash } from "../format";
import type { PublicRecordsState } from "../hooks/useTaskForm";
import { downloadJson } from "../model/files";

/**
 * pca on the create form: the public records the task's input basis is computed from (in this page, as
 * fl:create-task --public-data computes it), what the basis holds, and its file to publish: every
 * participant loads `<digest>.json` before it can encode or decode a round.
 */
export function PublicRecordsFields({ state }: { state: PublicRecordsState }) {
  const { records, basis } = state;
  const columns = records?.picked.columns;
  return (
    <>
      <InputField
        label="Public records"
        hint="A CSV (or the nodes' other formats) of the task's inputs that no participant trains on: the pca basis is computed from them here, as fl:create-task --public-data does; they never leave this page."
        error={state.error}
        type="file"
        accept=".csv,.gz,text/csv"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) state.pick(file);
        }}
      />
      {columns && (
        <Field label="Label column of the public records" hint="Its values are not used: only the inputs are.">
          {(p) => (
            <select {...p} value={records!.labelColumn} onChange={(e) => state.setLabelColumn(e.target.value)}>
              <option value="">choose…</option>
              {columns.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      {basis && records && (
        <div data-testid="public-basis">
          <p className="hint">
            Input basis {shortHash(basis.encoding.basis!)}: {basis.encoding.keep} directions from {basis.records}{" "}
            records of {records.picked.dataset.label} (their training split), holding{" "}
            {(basis.retained * 100).toFixed(1)} % of the records&apos; energy. Publish its file beside the task&apos;s
            models: participants load it before they can encode or decode a round (it is checked against the digest the
            spec commits to).
          </p>
          <button
            type="button"
            onClick={() => downloadJson(`${basis.encoding.basis}.json`, inputBasisFile(basis.inputBasis))}
          >
            Download the input basis file
          </button>
        </div>
      )}
    </>
  );
}
