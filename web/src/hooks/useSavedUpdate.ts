"use client";

import { useEffect, useState } from "react";
import { describeError } from "../errors";
import { openParticipation, type ParticipationStore } from "../participate/updateStore";
import type { TaskSnapshot } from "../chain";
import { useAppChain } from "../providers/appChain";

/**
 * Whether this browser saved an update of the open round (the page then resumes it instead of training
 * again), and why a saved state was set aside; read again on each new round and each phase of the run.
 */
export function useSavedUpdate({
  store,
  key,
  address,
  task,
  phase,
}: {
  store: ParticipationStore;
  /** The participation's key in the store (undefined without an account). */
  key: string | undefined;
  address: string | undefined;
  task: Pick<TaskSnapshot, "id" | "currentRound">;
  /** The round run's phase: not read, only reads the store again as the run moves on (it may have saved the update). */
  phase: string;
}) {
  const { deployment, aggregator } = useAppChain();
  const round = task.currentRound;
  const [saved, setSaved] = useState(false);
  const [setAside, setSetAside] = useState<string | undefined>();

  useEffect(() => {
    if (!key || !address) return;
    let cancelled = false;
    openParticipation(store, aggregator, deployment.chainId, task.id, address).then(
      (r) => {
        if (cancelled) return;
        setSaved(r.state.updates[round] !== undefined);
        if (r.setAside) setSetAside(r.setAside);
      },
      (e: unknown) =>
        !cancelled && setSetAside(`Could not read this browser's saved update: ${describeError(e).message}`),
    );
    return () => {
      cancelled = true;
    };
  }, [key, address, store, aggregator, deployment.chainId, task.id, round, phase]);

  return { saved, setAside };
}
