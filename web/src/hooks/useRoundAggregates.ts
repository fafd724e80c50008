"use client";

import { useCallback, useMemo, useState } from "react";
import type { DecryptedAggregate } from "../decryption/flows";

/**
 * The rounds decrypted in this visit: written by whichever panel decrypts a round first (round
 * aggregates, the global-model rebuild) and read by every other, so a round is decrypted once per visit.
 */
export interface RoundAggregates {
  decrypted: ReadonlyMap<number, DecryptedAggregate>;
  keep(round: number, aggregate: DecryptedAggregate): void;
}

export function useRoundAggregates(): RoundAggregates {
  const [decrypted, setDecrypted] = useState<ReadonlyMap<number, DecryptedAggregate>>(new Map());
  const keep = useCallback(
    (round: number, aggregate: DecryptedAggregate) =>
      setDecrypted((d) => {
        // The first decryption of a round stays; a later one only adds the KMS proofs it lacked.
        const had = d.get(round);
        if (had && (had.publicBatches || !aggregate.publicBatches)) return d;
        return new Map(d).set(round, aggregate);
      }),
    [],
  );
  return useMemo(() => ({ decrypted, keep }), [decrypted, keep]);
}
