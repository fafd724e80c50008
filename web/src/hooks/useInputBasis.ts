"use client";

import { useCallback, useEffect, useState } from "react";
import type { ModelSpec } from "../../../client/src/protocol/modelSpec";
import { importInputBasis, inputBasisDigestOf, readInputBasis } from "../model/inputBasis";
import type { ModelStore } from "../model/store";

/** A pca task's input basis in this browser (every other task needs none: `digest` undefined). */
export interface InputBasisState {
  /** The digest the task's spec commits to; undefined when its encoding needs no basis. */
  digest?: string;
  /** Whether the store holds a basis that hashes to it (undefined while the store is read). */
  held?: boolean;
  /** Loads the basis file the user picked; throws what is wrong with it (another basis, not a basis file). */
  load(file: File): Promise<void>;
  /** Why the store could not be read. */
  error?: string;
}

/** The task's input basis: read (verified) from the store, loaded from a file the user picks. */
export function useInputBasis(spec: ModelSpec | undefined, store: ModelStore): InputBasisState {
  const digest = inputBasisDigestOf(spec);
  const [held, setHeld] = useState<{ digest: string; held: boolean }>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (digest === undefined) return;
    let cancelled = false;
    readInputBasis(store, digest).then(
      (basis) => !cancelled && setHeld({ digest, held: basis !== undefined }),
      (e: unknown) => !cancelled && setError(`browser storage: ${(e as Error).message}`),
    );
    return () => {
      cancelled = true;
    };
  }, [digest, store]);
  const load = useCallback(
    async (file: File) => {
      if (!spec || digest === undefined) return;
      await importInputBasis(store, spec, await file.text(), file.name);
      setHeld({ digest, held: true });
    },
    [spec, digest, store],
  );
  return { digest, held: held && held.digest === digest ? held.held : undefined, load, error };
}
