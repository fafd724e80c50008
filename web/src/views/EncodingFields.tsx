"use client";

import type { EncodingKind } from "../../../client/src/codec/encoding";
import { Field, NumberField } from "../components/forms";
import { explain } from "../glossary";
import { codecDefaults } from "../../../client/src/protocol/taskChoices";
import type { PublicRecordsState } from "../hooks/useTaskForm";
import { PublicRecordsFields } from "./PublicRecordsFields";
import {
  ENCODING_OPTIONS,
  FORM_ENCODING_KINDS,
  compressText,
  encodingParam,
  type EncodingChoice,
} from "../encodingChoice";

/** The update encoding of the create-task form: the CLI's --compress choices, with the flag it amounts to. */
export function EncodingFields({
  choice,
  onChange,
  error,
  publicRecords,
}: {
  choice: EncodingChoice;
  onChange: (patch: Partial<EncodingChoice>) => void;
  error?: string;
  /** pca's public records, its basis computed from them. */
  publicRecords: PublicRecordsState;
}) {
  const param = encodingParam(choice.kind);
  const defaults = codecDefaults(choice.kind);
  return (
    <fieldset className="panel">
      <legend>Update encoding</legend>
      <div className="grid">
        <Field
          label="Compression"
          hint={`${explain("encoding")} Part of the model spec and its commitment; defaults: ${defaults.valueBits}-bit values, clip ${defaults.clip}.`}
        >
          {(p) => (
            <select {...p} value={choice.kind} onChange={(e) => onChange({ kind: e.target.value as EncodingKind })}>
              {FORM_ENCODING_KINDS.map((k) => (
                <option key={k} value={k}>
                  {ENCODING_OPTIONS[k].label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {param && (
          <NumberField
            label={param.label}
            hint={param.hint}
            min={1}
            step="any"
            value={choice.param}
            onChange={(value) => onChange({ param: value })}
          />
        )}
        {choice.kind === "pca" && <PublicRecordsFields state={publicRecords} />}
        {choice.kind === "lowrank" && (
          <label>
            <input
              type="checkbox"
              checked={choice.fill === "kernel"}
              onChange={(e) => onChange({ fill: e.target.checked ? "kernel" : undefined })}
            />{" "}
            Kernel fill: {explain("kernelFill")}
          </label>
        )}
        {choice.kind !== "quant" && (
          <label>
            <input
              type="checkbox"
              checked={choice.feedback}
              onChange={(e) => onChange({ feedback: e.target.checked })}
            />{" "}
            Error feedback: {explain("errorFeedback")}
          </label>
        )}
      </div>
      <p role="status" aria-live="polite" style={{ marginTop: "0.75rem" }}>
        {error ? (
          <span className="error-text">{error}</span>
        ) : (
          <span className="hint" data-testid="compress-flag">
            Same as <code>fl:create-task --compress {compressText(choice)}</code>
          </span>
        )}
      </p>
    </fieldset>
  );
}
