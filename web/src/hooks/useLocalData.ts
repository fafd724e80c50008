"use client";

import { useEffect, useState } from "react";
import type { TrainingSettings } from "../../../client/src/node/training";
import { describeError } from "../errors";
import {
  localSplit,
  needsLabelColumn,
  readLocalFiles,
  type LocalData,
  type PickedData,
} from "../participate/localData";
import type { ParticipationStore } from "../participate/updateStore";
import type { GlobalModelState } from "./useGlobalModel";
import { useLocalEvaluations } from "./useLocalEvaluations";

/** The picked files as read (undefined before a pick), or why they could not be read. */
export interface PickedState {
  picked?: PickedData;
  error?: string;
}

/**
 * The participant's data, read in this page only: the picked files read once (a CSV's columns for the
 * label choice, the data's ledger entry), then parsed and split into train and test (again on every change
 * of the files, the spec, the label column or the node's --seed; a CSV waits until its label column is one
 * of its columns), and the accuracy of each rebuilt global model on the test split.
 */
export function useLocalData({
  files,
  model,
  labelColumn,
  settings,
  store,
  key,
}: {
  files: File[];
  /** The task's spec parses the files; each rebuilt model is evaluated. */
  model: Pick<GlobalModelState, "spec" | "model">;
  labelColumn: string;
  /** The parsed settings (their seed splits the data), or what is wrong with them (nothing is parsed then). */
  settings: TrainingSettings | string;
  store: ParticipationStore;
  /** The participation's key in the store (undefined without an account). */
  key: string | undefined;
}) {
  const [read, setRead] = useState<PickedState & { files?: File[] }>({});
  const [parsed, setParsed] = useState<{ of?: readonly unknown[]; data?: LocalData; error?: string }>({});
  // Answers are kept with what they were read from: one about other files or settings is never shown.
  const picked = read.files === files ? read : {};
  const seed = typeof settings === "string" ? undefined : settings.seed;
  const ready = picked.picked && !needsLabelColumn(picked.picked, labelColumn) ? picked.picked : undefined;
  const inputs = [ready, model.spec, labelColumn, seed] as const;
  const data = parsed.of?.every((v, i) => v === inputs[i]) ? parsed : {};
  const { evaluations, error: evalError } = useLocalEvaluations(model.model, data.data, store, key);

  useEffect(() => {
    if (files.length === 0) return;
    let cancelled = false;
    readLocalFiles(files).then(
      (p) => !cancelled && setRead({ files, picked: p }),
      (e: unknown) => !cancelled && setRead({ files, error: describeError(e).message }),
    );
    return () => {
      cancelled = true;
    };
  }, [files]);

  // Only the seed of the settings splits the data: the other settings do not parse the files again.
  useEffect(() => {
    if (!ready || !model.spec || seed === undefined) return;
    let cancelled = false;
    const spec = model.spec;
    const of = [ready, spec, labelColumn, seed] as const;
    Promise.resolve()
      .then(() => localSplit(ready, spec, { labelColumn, seed }))
      .then(
        (d) => !cancelled && setParsed({ of, data: d }),
        (e: unknown) => !cancelled && setParsed({ of, error: describeError(e).message }),
      );
    return () => {
      cancelled = true;
    };
  }, [ready, model.spec, labelColumn, seed]);

  return {
    picked: { picked: picked.picked, error: picked.error } as PickedState,
    data: { data: data.data, error: picked.error ?? data.error },
    evaluations,
    evalError,
  };
}
