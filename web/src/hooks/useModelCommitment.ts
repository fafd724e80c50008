"use client";

import { useEffect, useState } from "react";
import type { ModelCommitment, ModelSpec } from "../modelSpec";

export type CommitmentState =
  | { status: "idle" }
  | { status: "loading" }
  | { status: "ready"; commitment: ModelCommitment }
  | { status: "error"; error: string };

/** Asks the server (client/src/ml through /api/model) for a spec's parameter count and commitment, debounced. */
export function useModelCommitment(spec: ModelSpec | undefined, delayMs = 300): CommitmentState {
  const [state, setState] = useState<CommitmentState>({ status: "idle" });
  const key = spec ? JSON.stringify(spec) : "";
  useEffect(() => {
    if (!key) {
      setState({ status: "idle" });
      return;
    }
    const controller = new AbortController();
    setState({ status: "loading" });
    const timer = setTimeout(() => {
      fetch("/api/model", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: key,
        signal: controller.signal,
      })
        .then(async (r) => {
          const body = (await r.json()) as ModelCommitment & { error?: string };
          setState(
            r.ok ? { status: "ready", commitment: body } : { status: "error", error: body.error ?? `HTTP ${r.status}` },
          );
        })
        .catch((e: unknown) => {
          if (!controller.signal.aborted) setState({ status: "error", error: (e as Error).message });
        });
    }, delayMs);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [key, delayMs]);
  return state;
}
