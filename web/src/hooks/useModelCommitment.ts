"use client";

import { useEffect, useMemo, useState } from "react";
import type { ModelSpec } from "../../../client/src/protocol/modelSpec";
import { publishedCommitment, requestModel, seededSpec, type ModelCommitment } from "../modelSpec";

export type CommitmentState =
  | { status: "idle" }
  | { status: "loading" }
  | { status: "ready"; commitment: ModelCommitment }
  | { status: "error"; error: string };

/**
 * Asks the server (client/src/ml through /api/model) for a spec's parameter count and commitment, debounced.
 * A spec that starts from published weights is committed to `published` (the model file the owner loaded):
 * the server sizes its model, the page hashes the weights.
 */
export function useModelCommitment(
  spec: ModelSpec | undefined,
  published?: Float32Array,
  delayMs = 300,
): CommitmentState {
  const seeded = useSeededCommitment(spec && seededSpec(spec), delayMs);
  return useMemo(() => {
    if (spec?.initialWeights !== "published" || seeded.status !== "ready") return seeded;
    try {
      return { status: "ready", commitment: publishedCommitment(spec, seeded.commitment.paramCount, published) };
    } catch (e) {
      return { status: "error", error: (e as Error).message };
    }
  }, [spec, seeded, published]);
}

function useSeededCommitment(spec: ModelSpec | undefined, delayMs: number): CommitmentState {
  // The last answer, with the spec it answers: a newer spec shows "loading" until its own answer comes.
  const [answer, setAnswer] = useState<{ key: string; state: CommitmentState }>();
  const key = spec ? JSON.stringify(spec) : "";
  useEffect(() => {
    if (!key) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      requestModel(key, controller.signal).then(
        (commitment) => setAnswer({ key, state: { status: "ready", commitment } }),
        (e: unknown) => {
          if (!controller.signal.aborted) setAnswer({ key, state: { status: "error", error: (e as Error).message } });
        },
      );
    }, delayMs);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [key, delayMs]);
  if (!key) return { status: "idle" };
  return answer?.key === key ? answer.state : { status: "loading" };
}
