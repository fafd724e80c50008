"use client";

import { useState } from "react";
import { TRAINING_RULES, type TrainingSettings } from "../../../client/src/node/training";
import { parseNumber } from "../../../client/src/util/numbers";
import { ErrorAlert, Field, InputField, NumberField } from "../components/forms";
import type { LocalData } from "../participate/localData";
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

/** "Your data": the data file(s), the node's training options, the backend, and what was read or is wrong. */
export function TrainingFields({
  form: { setFiles, text, setText, settings, backend, setBackend },
  data,
}: {
  form: TrainingForm;
  data: { data?: LocalData; error?: string };
}) {
  return (
    <fieldset>
      <legend>Your data</legend>
      <InputField
        label="Data file"
        hint="A CSV with a header line and a label column, or an IDX images file and its labels file (.gz works too)."
        type="file"
        multiple
        onChange={(e) => setFiles([...(e.target.files ?? [])])}
      />
      <InputField
        label="Label column"
        hint="CSV only: the node's --label-column."
        value={text.labelColumn}
        onChange={(e) => setText({ ...text, labelColumn: e.target.value })}
      />
      <NumberField
        label="Seed"
        hint="The node's --seed: the train/test split and the training shuffles."
        value={text.seed}
        onChange={(v) => setText({ ...text, seed: v })}
        min={0}
      />
      <NumberField label="Epochs" value={text.epochs} onChange={(v) => setText({ ...text, epochs: v })} min={1} />
      <NumberField
        label="Batch size"
        value={text.batchSize}
        onChange={(v) => setText({ ...text, batchSize: v })}
        min={1}
      />
      <NumberField
        label="Learning rate"
        value={text.learningRate}
        onChange={(v) => setText({ ...text, learningRate: v })}
        step="any"
      />
      <BackendField backend={backend} setBackend={setBackend} />
      {data.data && (
        <p className="hint" data-testid="data-summary">
          {data.data.source}: {data.data.train.y.length} training and {data.data.test.y.length} test samples (read in
          this page only).
        </p>
      )}
      <ErrorAlert message={data.error ?? (typeof settings === "string" ? settings : undefined)} />
    </fieldset>
  );
}
