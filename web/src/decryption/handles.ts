import { missingRanges } from "../../../client/src/chain/aggregate";
import type { FLuFHEAggregator } from "../chain";

/** Handles per aggregateHandles call: keeps each eth_call answer small on large models. */
export const HANDLE_PAGE = 256;

/** The encrypted handles of a round's whole aggregate, read page by page in word order. */
export async function readHandles(
  aggregator: Pick<FLuFHEAggregator, "aggregateHandles">,
  taskId: bigint,
  round: number,
  wordCount: number,
): Promise<string[]> {
  const handles: string[] = [];
  for (const page of missingRanges(wordCount, [], HANDLE_PAGE)) {
    handles.push(...(await aggregator.aggregateHandles(taskId, round, page.from, page.count)));
  }
  return handles;
}
