"use client";

import { keepPreviousData, useQuery, type UseQueryResult } from "@tanstack/react-query";
import { useChainHead } from "../providers/chainHead";

/**
 * A chain read re-run whenever a new block arrives (the previous answer stays on screen meanwhile):
 * contract state only changes with blocks, so this is live without refetching on a timer.
 */
export function useChainQuery<T>(key: readonly unknown[], read: () => Promise<T>, enabled = true): UseQueryResult<T> {
  const head = useChainHead();
  return useQuery({
    queryKey: [...key, head?.number ?? -1],
    queryFn: read,
    enabled: enabled && head !== null,
    placeholderData: keepPreviousData,
  });
}
