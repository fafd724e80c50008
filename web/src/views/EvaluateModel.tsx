"use client";

import { useEffect, useId, useState } from "react";
import { ErrorAlert, Field, InputField } from "../components/forms";
import { shortHash } from "../format";
import { evaluateLocally, type Evaluation, type ModelChoice } from "../model/evaluation";
import { browserModelStore, taskKey, type LineageRecord, type ModelStore } from "../model/store";
import { useAppChain } from "../providers/appChain";
import { modelTitle } from "./GlobalModel";

/** A model kept in this browser, as the picker lists it. */
interface StoredOption {
  commitment: string;
  label: string;
}

/** The models kept in this browser for tasks of `scope` (a taskKey prefix): newest task and round first, each model once. */
export function storedOptions(records: readonly LineageRecord[], scope: string): StoredOption[] {
  const seen = new Set<string>();
  return records
    .filter((r) => r.task.startsWith(scope))
    .sort((a, b) =>
      a.task === b.task ? b.afterRound - a.afterRound : b.task.localeCompare(a.task, "en", { numeric: true }),
    )
    .filter((r) => !seen.has(r.commitment) && seen.add(r.commitment))
    .map((r) => ({
      commitment: r.commitment,
      label: `Task #${r.task.slice(scope.length)} — ${modelTitle(r.afterRound).toLowerCase()} (${shortHash(r.commitment)})`,
    }));
}

const percent = (v: number) => `${(v * 100).toFixed(2)} %`;

type ModelSource = "stored" | "files";

/**
 * Where the model comes from: one of the models this browser keeps for `scope` (listed once per store and
 * scope, the choice kept when still listed), else picked files; a storage failure goes to `onError`.
 */
function useModelChoice(store: ModelStore, scope: string, preselect: string | undefined, onError: (m: string) => void) {
  const [options, setOptions] = useState<StoredOption[]>();
  const [source, setSource] = useState<ModelSource>("stored");
  const [chosen, setChosen] = useState(preselect ?? "");
  const [modelFiles, setModelFiles] = useState<File[]>([]);

  // EvaluateModel passes its error setter (stable): listed for the linter, it never re-runs the effect.
  useEffect(() => {
    let cancelled = false;
    store.allLineage().then(
      (records) => {
        if (cancelled) return;
        const list = storedOptions(records, scope);
        setOptions(list);
        if (list.length === 0) setSource("files");
        setChosen((c) => (list.some((o) => o.commitment === c) ? c : (list[0]?.commitment ?? "")));
      },
      (e: unknown) => !cancelled && onError(`browser storage: ${(e as Error).message}`),
    );
    return () => {
      cancelled = true;
    };
  }, [store, scope, onError]);

  return { options, source, setSource, chosen, setChosen, modelFiles, setModelFiles };
}

type ModelChoiceState = ReturnType<typeof useModelChoice>;

/** Reads the chosen model (a stored one must still be in the store) and evaluates it on the data files. */
async function evaluateChoice(
  { source, chosen, modelFiles }: Pick<ModelChoiceState, "source" | "chosen" | "modelFiles">,
  dataFiles: File[],
  options: { labelColumn: string; standardise: boolean },
  store: ModelStore,
): Promise<Evaluation> {
  let choice: ModelChoice;
  if (source === "stored") {
    const record = await store.getModel(chosen);
    if (!record) throw new Error("choose a model kept in this browser");
    choice = { kind: "stored", commitment: chosen, spec: record.spec };
  } else {
    choice = { kind: "files", files: modelFiles };
  }
  return evaluateLocally(choice, dataFiles, options, store);
}

/** The model fieldset: stored or files (radios named `radio`), then the stored model's picker or the file input. */
function ModelFields({ m, radio }: { m: ModelChoiceState; radio: string }) {
  return (
    <fieldset className="panel">
      <legend>Model</legend>
      <div className="actions" role="radiogroup" aria-label="Model source">
        <label>
          <input
            type="radio"
            name={radio}
            checked={m.source === "stored"}
            disabled={m.options?.length === 0}
            onChange={() => m.setSource("stored")}
          />{" "}
          Kept in this browser
        </label>
        <label>
          <input type="radio" name={radio} checked={m.source === "files"} onChange={() => m.setSource("files")} /> From
          files
        </label>
      </div>
      {m.source === "stored" ? (
        <Field
          label="Global model"
          hint="Models the task pages rebuilt in this browser, checked against their commitment."
        >
          {(p) => (
            <select {...p} value={m.chosen} onChange={(e) => m.setChosen(e.target.value)}>
              {(m.options ?? []).map((o) => (
                <option key={o.commitment} value={o.commitment}>
                  {o.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : (
        <InputField
          label="Model files"
          hint="A TensorFlow.js download (its .json and .weights.bin), or a nodes' model file (<commitment>.json)."
          type="file"
          multiple
          accept=".json,.bin,application/json,application/octet-stream"
          onChange={(e) => m.setModelFiles([...(e.target.files ?? [])])}
        />
      )}
      {m.options?.length === 0 && (
        <p className="hint">This browser keeps no model of this deployment yet: open a task page to rebuild one.</p>
      )}
    </fieldset>
  );
}

/** The data fieldset: the file(s), the CSV label column and whether to standardise CSV features. */
function DataFields({
  setDataFiles,
  labelColumn,
  setLabelColumn,
  standardise,
  setStandardise,
}: {
  setDataFiles: (files: File[]) => void;
  labelColumn: string;
  setLabelColumn: (column: string) => void;
  standardise: boolean;
  setStandardise: (on: boolean) => void;
}) {
  return (
    <fieldset className="panel">
      <legend>Data</legend>
      <InputField
        label="Data file"
        hint="A CSV with a header line and a label column, or an IDX images file and its labels file (.gz works too)."
        type="file"
        multiple
        onChange={(e) => setDataFiles([...(e.target.files ?? [])])}
      />
      <InputField
        label="Label column"
        hint="CSV only: the header of the column holding the class (index or name)."
        value={labelColumn}
        onChange={(e) => setLabelColumn(e.target.value)}
      />
      <label>
        <input type="checkbox" checked={standardise} onChange={(e) => setStandardise(e.target.checked)} /> Standardise
        CSV features with this file’s mean and deviation (as the nodes do with tabular data)
      </label>
    </fieldset>
  );
}

/** The evaluation's figures, and which model and data they come from. */
function EvaluationResult({ result }: { result: Evaluation }) {
  return (
    <section className="panel" aria-labelledby="eval-result-heading" data-testid="evaluation-result">
      <h2 id="eval-result-heading">Result</h2>
      <dl className="facts">
        <dt>Accuracy</dt>
        <dd data-testid="eval-accuracy" data-value={result.accuracy}>
          {percent(result.accuracy)}
        </dd>
        <dt>Loss</dt>
        <dd data-testid="eval-loss" data-value={result.loss}>
          {result.loss.toFixed(4)} (mean cross-entropy)
        </dd>
        <dt>Samples</dt>
        <dd data-testid="eval-samples">{result.samples}</dd>
        <dt>Model</dt>
        <dd>
          {result.modelSource}
          {result.commitment && (
            <>
              , commitment <code title={result.commitment}>{shortHash(result.commitment)}</code>
            </>
          )}
        </dd>
        <dt>Data</dt>
        <dd>{result.dataSource} (read in this page only)</dd>
      </dl>
    </section>
  );
}

/**
 * Evaluates a global model on a file the user picks, entirely in the page: the model from this browser's
 * store or from downloaded files, the data parsed with the nodes' parsers; no request carries either.
 */
export function EvaluateModel({
  scope,
  store,
  preselect,
}: {
  /** taskKey prefix of this deployment ("<chainId>:<aggregator>:"). */
  scope: string;
  store: ModelStore;
  /** Commitment to choose first (from the dashboard's link). */
  preselect?: string;
}) {
  const [dataFiles, setDataFiles] = useState<File[]>([]);
  const [labelColumn, setLabelColumn] = useState("label");
  const [standardise, setStandardise] = useState(true);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<Evaluation>();
  const [error, setError] = useState<string>();
  const m = useModelChoice(store, scope, preselect, setError);
  const radio = useId();

  const evaluate = async () => {
    setRunning(true);
    setError(undefined);
    setResult(undefined);
    try {
      setResult(await evaluateChoice(m, dataFiles, { labelColumn, standardise }, store));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setRunning(false);
    }
  };

  const ready = dataFiles.length > 0 && (m.source === "stored" ? m.chosen !== "" : m.modelFiles.length > 0);
  return (
    <>
      <h1>Evaluate a global model</h1>
      <p className="notice">
        Everything happens in this page: the model and your data file are read by this browser and never uploaded.
      </p>
      <ModelFields m={m} radio={radio} />
      <DataFields
        setDataFiles={setDataFiles}
        labelColumn={labelColumn}
        setLabelColumn={setLabelColumn}
        standardise={standardise}
        setStandardise={setStandardise}
      />
      <div className="actions">
        <button type="button" onClick={() => void evaluate()} disabled={!ready || running}>
          {running ? "Evaluating…" : "Evaluate"}
        </button>
      </div>
      <p>
        <ErrorAlert message={error} />
      </p>
      {result && <EvaluationResult result={result} />}
    </>
  );
}

/** /evaluate: models of this deployment kept in the browser, or picked files. */
export function EvaluatePage({ preselect }: { preselect?: string }) {
  const { deployment } = useAppChain();
  const [store] = useState(browserModelStore);
  return (
    <EvaluateModel scope={taskKey(deployment.chainId, deployment.aggregator, "")} store={store} preselect={preselect} />
  );
}
