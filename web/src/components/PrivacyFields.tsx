"use client";

import { useId } from "react";
import { PRIVACY_DEFAULTS } from "../../../client/src/protocol/privacy";
import { privacyErrors, privacyFlags, type PrivacyDraft, type PrivacyField, type PrivacyText } from "../privacyForm";
import { explain } from "../glossary";
import { NumberField } from "./forms";

/** Each DP input, explained for someone who knows their data but not DP-SGD. */
const FIELDS: { key: PrivacyField; label: string; hint: (text: PrivacyText) => string }[] = [
  {
    key: "epsilon",
    label: "Target epsilon (whole task)",
    hint: () => `${explain("epsilon")} The noise is derived; leave blank to give the noise instead.`,
  },
  {
    key: "noise",
    label: "Noise multiplier",
    hint: () =>
      `${explain("noise")} The epsilon it gives over all the task's rounds is reported; leave blank to give a ` +
      "target epsilon instead.",
  },
  {
    key: "delta",
    label: "Delta",
    hint: () => `${explain("delta")} Default ${PRIVACY_DEFAULTS.delta}.`,
  },
  {
    key: "clip",
    label: "Per-record clip",
    hint: () =>
      `${explain("recordClip")} It is the L2 norm of the record's gradient over all parameters. Default ${PRIVACY_DEFAULTS.clipNorm}.`,
  },
  {
    key: "sampling",
    label: "Sampling rate",
    hint: () => `${explain("sampling")} 0.01 = 1%. Default ${PRIVACY_DEFAULTS.samplingRate}.`,
  },
  {
    key: "steps",
    label: "Steps per round",
    hint: (text) => {
      const q = text.sampling.trim() === "" ? PRIVACY_DEFAULTS.samplingRate : Number(text.sampling);
      const epoch = q > 0 && q <= 1 ? ` = ${Math.max(1, Math.round(1 / q))} steps` : "";
      return `training steps each participant runs per round; blank: one expected pass over its data (1 / sampling rate${epoch})`;
    },
  },
];

/** The promise as computed for the task's rounds, or why it is not there yet. */
function PrivacyStatus({ draft, text }: { draft: PrivacyDraft; text: PrivacyText }) {
  let message: string | undefined;
  if (draft.status === "computing") message = "Computing the terms for the task's rounds…";
  else if (draft.status === "needs-rounds")
    message = "The terms count the task's rounds: give a valid number of rounds.";
  else if (draft.status === "ready") {
    const { terms, rounds } = draft;
    const over = `at delta ${terms.delta} over the task's ${rounds} round${rounds === 1 ? "" : "s"}`;
    message =
      draft.derived === "noise"
        ? `Noise multiplier ${terms.noiseMultiplier} (derived) keeps each participant's records within epsilon ${terms.epsilon} ${over}.`
        : `Noise multiplier ${terms.noiseMultiplier} gives each participant's records epsilon ${terms.epsilon} (reported) ${over}.`;
  }
  return (
    <p role="status" aria-live="polite" style={{ marginTop: "0.75rem" }}>
      {message && (
        <span data-testid="privacy-status">
          {message}
          <br />
        </span>
      )}
      {draft.status !== "invalid" && (
        <span className="hint">
          Same as <code>fl:create-task {privacyFlags(text)}</code>
        </span>
      )}
    </p>
  );
}

/**
 * The task's differential-privacy terms: off by default; on, a target epsilon or a noise multiplier with
 * delta, clip, sampling and steps (PRIVACY_DEFAULTS prefilled), each with its error beside it.
 */
export function PrivacyFields({
  text,
  onChange,
  draft,
}: {
  text: PrivacyText;
  onChange: (patch: Partial<PrivacyText>) => void;
  draft: PrivacyDraft;
}) {
  const hintId = useId();
  const errors = privacyErrors(draft);
  return (
    <fieldset className="panel">
      <legend>Differential privacy</legend>
      <label>
        <input
          type="checkbox"
          checked={text.enabled}
          onChange={(e) => onChange({ enabled: e.target.checked })}
          aria-describedby={hintId}
        />{" "}
        Differential privacy for each participant&apos;s records
      </label>
      <p id={hintId} className="hint">
        Each participant adds noise to its own training, on its own machine before anything is encrypted, so the
        aggregates and the final model reveal little about any one of its records; the guarantee counts every round of
        the task. It costs accuracy, and it is fixed when the task is created.
      </p>
      {text.enabled && (
        <>
          <div className="grid">
            {FIELDS.map(({ key, label, hint }) => (
              <NumberField
                key={key}
                label={label}
                hint={hint(text)}
                error={errors[key]}
                min={key === "steps" ? 1 : 0}
                max={key === "sampling" || key === "delta" ? 1 : undefined}
                step={key === "steps" ? undefined : "any"}
                value={text[key]}
                onChange={(value) => onChange({ [key]: value })}
              />
            ))}
          </div>
          <PrivacyStatus draft={draft} text={text} />
        </>
      )}
    </fieldset>
  );
}
