"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { isError } from "ethers";
import { useChainHead } from "../providers/chainHead";

/** A chain read as the pages show it: the latest answer (data, or the contract's refusal), or why the read failed. */
export interface ChainRead<T> {
  data?: T;
  error?: unknown;
  /** No answer yet (the first read is under way). */
  isPending: boolean;
}

/** One block's answer: the value, or the contract's revert (as deterministic at that block as a value). */
type Answer<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * A contract's revert (with its revert data) is its answer at that block; anything else (transport, node,
 * which ethers also reports as CALL_EXCEPTION for an eth_call, without data) is a failed read.
 */
export async function answerOf<T>(read: () => Promise<T>): Promise<Answer<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    if (isError(error, "CALL_EXCEPTION") && error.data) return { ok: false, error };
    throw error;
  }
}

/**
 * A chain read re-run whenever a new block arrives (the previous answer stays on screen meanwhile):
 * contract state only changes with blocks, so this is live without refetching on a timer. A revert
 * (e.g. UnknownTask) is kept as an answer, not thrown: thrown, it was retried a second later while the
 * next block's query replaced it (the devnet mines every 100 ms), so it never reached the page.
 */
export function useChainQuery<T>(key: readonly unknown[], read: () => Promise<T>, enabled = true): ChainRead<T> {
  const head = useChainHead();
  const query = useQuery({
    queryKey: [...key, head?.number ?? -1],
    queryFn: () => answerOf(read),
    enabled: enabled && head !== null,
    placeholderData: keepPreviousData,
  });
  const answer = query.data;
  if (answer === undefined) return { error: query.error ?? undefined, isPending: query.isPending };
  return answer.ok ? { data: answer.value, isPending: false } : { error: answer.error, isPending: false };
}
