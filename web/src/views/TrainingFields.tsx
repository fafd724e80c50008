"use client";

import { useState } from "react";
import { TRAINING_RULES, type TrainingSettings } from "../../../client/src/node/training";
import type { PrivacyTerms } from "../../../client/src/protocol/privacy";
import { parseNumber } from "../../../client/src/util/numbers";
import { ErrorAlert, Field, InputField, NumberField } from "../components/forms";
import { needsLabelColumn, type LocalData, type PickedData } from "../participate/localData";
import { NODE_DEFAULTS } from "../participate/roundUpdate";
import { BACKEND_ORDER, type BackendName } from "../participate/trainProtocol";

/** The training settings as typed (parsed as a whole by parseSettings). */
export interface SettingsText {
  labelColumn: string;
  seed: string;
  epochs: string;
  batchSize: string;
  learningRate: string;
}

/** The node's defaults, as the form starts. */
export const defaultSettingsText = (): SettingsText => ({
  labelColumn: "label",
  seed: String(NODE_DEFAULTS.seed),
  epochs: String(NODE_DEFAULTS.epochs),
  batchSize: String(NODE_DEFAULTS.batchSize),
  learningRate: String(NODE_DEFAULTS.learningRate),
});

/** The typed settings, or what is wrong with them (the node's option rules). */
export function parseSettings(t: SettingsText): TrainingSettings | string {
  try {
    return {
      seed: parseNumber("the seed", t.seed, TRAINING_RULES.seed),
      epochs: parseNumber("epochs", t.epochs, TRAINING_RULES.epochs),
      batchSize: parseNumber("the batch size", t.batchSize, TRAINING_RULES.batchSize),
      learningRate: parseNumber("the learning rate", t.learningRate, TRAINING_RULES.learningRate),
    };
  } catch (error) {
    return (error as Error).message;
  }
}

export type BackendChoice = "auto" | BackendName;

/** Where the worker trains: the fastest available backend, or one of them. */
function BackendField({ backend, setBackend }: { backend: BackendChoice; setBackend: (b: BackendChoice) => void }) {
  return (
    <Field
      label="TensorFlow.js backend"
      hint="Where the worker trains; the update matches the node's within one quantization step on any of them."
    >
      {(p) => (
        <select {...p} value={backend} onChange={(e) => setBackend(e.target.value as BackendChoice)}>
          <option value="auto">Fastest available (WebGL, else WASM, else cpu)</option>
          {BACKEND_ORDER.map((b) => (
            <option key={b} value={b}>
              {b === "webgl" ? "WebGL" : b === "wasm" ? "WASM" : "cpu (plain JavaScript)"}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** The "Your data" form's state: the picked files, the settings as typed (and parsed) and the backend. */
export function useTrainingForm() {
  const [files, setFiles] = useState<File[]>([]);
  const [text, setText] = useState<SettingsText>(defaultSettingsText);
  const settings = parseSettings(text);
  const [backend, setBackend] = useState<BackendChoice>("auto");
  return { files, setFiles, text, setText, settings, backend, setBackend };
}

export type TrainingForm = ReturnType<typeof useTrainingForm>;

/** The label column: one of the picked CSV's header columns; scikit-learn's CSV and IDX pairs name it themselves. */
function LabelColumn({
  picked,
  value,
  onChange,
}: {
  picked?: PickedData;
  value: string;
  onChange: (column: string) => void;
}) {
  if (picked?.format === "sklearn") {
    const s = picked.sklearn!;
    return (
      <p className="hint" data-testid="sklearn-format">
        scikit-learn&apos;s format: {s.samples} samples of {s.features} features, the label last (
        {s.classNames.map((n, i) => `${i} = ${n}`).join(", ")}).
      </p>
    );
  }
  if (!picked?.columns) {
    return picked ? null : <p className="hint">After you pick a CSV, choose which of its columns holds the label.</p>;
  }
  const chosen = picked.columns.includes(value.trim()) ? value.trim() : "";
  return (
    <Field
      label="Label column"
      hint="The column of your CSV that holds each sample's class (the node's --label-column)."
    >
      {(p) => (
        <select {...p} value={chosen} onChange={(e) => onChange(e.target.value)}>
          <option value="" disabled>
            Choose the label column
          </option>
          {picked.columns!.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** Under a DP promise the task's DP-SGD terms replace the epochs and batch size (roundTrainingOptions). */
function EpochFields({ form: { text, setText }, privacy }: { form: TrainingForm; privacy?: PrivacyTerms }) {
  if (privacy) {
    return (
      <p className="hint" data-testid="dp-training">
        DP-SGD per round: {privacy.stepsPerRound} steps, each taking every training record with probability{" "}
        {privacy.samplingRate} (the task&apos;s terms replace epochs and batch size).
      </p>
    );
  }
  return (
    <>
      <NumberField label="Epochs" value={text.epochs} onChange={(v) => setText({ ...text, epochs: v })} min={1} />
      <NumberField
        label="Batch size"
        value={text.batchSize}
        onChange={(v) => setText({ ...text, batchSize: v })}
        min={1}
      />
    </>
  );
}

/** "Your data": the data file(s), its label column, the node's training options, the backend, and what was read or is wrong. */
export function TrainingFields({
  form,
  picked,
  data,
  privacy,
}: {
  form: TrainingForm;
  /** The picked files as read (before the parse that needs the label column). */
  picked?: PickedData;
  data: { data?: LocalData; error?: string };
  /** The task's DP terms, when it makes a promise. */
  privacy?: PrivacyTerms;
}) {
  const { setFiles, text, setText, settings, backend, setBackend } = form;
  const waiting = picked && needsLabelColumn(picked, text.labelColumn);
  return (
    <fieldset>
      <legend>Your data</legend>
      <InputField
        label="Data file"
        hint="A CSV with a header line and a label column (scikit-learn's CSV too), or an IDX images file and its labels file (.gz works too)."
        type="file"
        multiple

        onChange={(e) => setFiles([...(e.target.files ?? [])])}
      />
      <LabelColumn
        picked={picked}
        value={text.labelColumn}
        onChange={(labelColumn) => setText({ ...text, labelColumn })}
      />
      <NumberField
        label="Seed"
        hint="The node's --seed: the train/test split and the training shuffles."
        value={text.seed}
        onChange={(v) => setText({ ...text, seed: v })}
        min={0}
      />
      <EpochFields form={form} privacy={privacy} />
      <NumberField
        label="Learning rate"
        value={text.learningRate}
        onChange={(v) => setText({ ...text, learningRate: v })}
        step="any"
      />
      <BackendField backend={backend} setBackend={setBackend} />
      {waiting && (
        <p role="status" className="hint" data-testid="choose-label">
          Choose the label column of {picked.dataset.label} to read it.
        </p>
      )}
      {data.data && (
        <p className="hint" data-testid="data-summary" style={{ overflowWrap: "anywhere" }}>
          {data.data.source}: {data.data.train.y.length} training and {data.data.test.y.length} test samples (read in
          this page only).
        </p>
      )}
      <ErrorAlert message={data.error ?? (typeof settings === "string" ? settings : undefined)} />
    </fieldset>
  );
}
