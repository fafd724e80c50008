"use client";

import { useEffect, useState } from "react";
import type { TrainingSettings } from "../../../client/src/node/training";
import { describeError } from "../errors";
import { readPicked } from "../model/dataFiles";
import { localSplit, type LocalData } from "../participate/localData";
import type { ParticipationStore } from "../participate/updateStore";
import type { GlobalModelState } from "./useGlobalModel";
import { useLocalEvaluations } from "./useLocalEvaluations";

/**
 * The participant's data, read in this page only: the picked files parsed and split into train and test
 * (again on every change of the files, the spec, the label column or the node's --seed), and the accuracy
 * of each rebuilt global model on the test split.
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
  const [data, setData] = useState<{ data?: LocalData; error?: string }>({});
  const { evaluations, error: evalError } = useLocalEvaluations(model.model, data.data, store, key);

  // Only the seed of the settings splits the data: the other settings do not parse the files again.
  useEffect(() => {
    if (files.length === 0 || !model.spec || typeof settings === "string") return;
    let cancelled = false;
    const spec = model.spec;
    const seed = settings.seed;
    Promise.all(files.map(readPicked))
      .then((picked) => localSplit(picked, spec, { labelColumn, seed }))
      .then(
        (d) => !cancelled && setData({ data: d }),
        (e: unknown) => !cancelled && setData({ error: describeError(e).message }),
      );
    return () => {
      cancelled = true;
    };
  }, [files, model.spec, labelColumn, typeof settings === "string" ? -1 : settings.seed]); // eslint-disable-line react-hooks/exhaustive-deps

  return { data, evaluations, evalError };
}
