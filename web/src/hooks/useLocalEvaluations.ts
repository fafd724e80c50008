"use client";

import { useEffect, useState } from "react";
import type { GlobalModel } from "../model/store";
import { evaluateModel, modelWithWeights } from "../model/tfjs";
import type { LocalData } from "../participate/localData";
import {
  loadEvaluations,
  saveEvaluation,
  type ParticipationStore,
  type RoundEvaluation,
} from "../participate/updateStore";

/**
 * This browser's accuracy per round on its local test split: each global model the page rebuilds
 * (after a reveal: decrypted, decoded and applied by the rebuild flow) is evaluated once, as the node
 * does after applying a round, and kept in this browser.
 */
export function useLocalEvaluations(
  model: GlobalModel | undefined,
  data: LocalData | undefined,
  store: ParticipationStore,
  key: string | undefined,
): { evaluations: RoundEvaluation[]; error?: string } {
  const [evaluations, setEvaluations] = useState<RoundEvaluation[]>([]);
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (!key) return;
    let cancelled = false;
    void (async () => {
      let all = await loadEvaluations(store, key);
      if (model && model.afterRound > 0 && data && !all.some((e) => e.round === model.afterRound)) {
        const tf = await modelWithWeights(model.spec, model.weights);
        try {
          const { accuracy, loss } = await evaluateModel(tf, data.test);
          all = await saveEvaluation(store, key, { round: model.afterRound, accuracy, loss });
        } finally {
          tf.dispose();
        }
      }
      if (!cancelled) setEvaluations(all);
    })().catch((e: unknown) => !cancelled && setError(`evaluation: ${(e as Error).message}`));
    return () => {
      cancelled = true;
    };
  }, [model, data, store, key]);
  return { evaluations, error };
}
