import type { WordRange } from "../../client/src/chain/aggregate";
export { missingRanges, type WordRange } from "../../client/src/chain/aggregate";
import { WORDS_PER_DECRYPTION } from "../../client/src/codec/layout";
import { Policy } from "../../client/src/protocol/vocabulary";
import type { TaskEvent } from "../../client/src/chain/events";

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Ranges already materialised for a round: grants to `account` (PARTICIPANTS policy) or words made
 * public (PUBLIC policy), from the task's events.
 */
export function grantedRanges(
  events: readonly TaskEvent[],
  round: number,
  policy: number,
  account?: string,
): WordRange[] {
  return events
    .filter((e) =>
      e.round !== round
        ? false
        : policy === Policy.Public
          ? e.name === "AggregateMadePublic"
          : e.name === "AggregateAccessGranted" && account !== undefined && same(e.args.account, account),
    )
    .map((e) => ({ from: Number(e.args.fromWord), count: Number(e.args.count) }));
}

/** Decryption batches (16 words) of a PUBLIC round whose clear values are not verified on-chain yet. */
export function unpublishedBatches(events: readonly TaskEvent[], round: number, wordCount: number): number[] {
  const done = new Set(
    events
      .filter((e) => e.round === round && e.name === "ClearAggregateBatchPublished")
      .map((e) => Number(e.args.batch)),
  );
  const count = Math.ceil(wordCount / WORDS_PER_DECRYPTION);
  return Array.from({ length: count }, (_, b) => b).filter((b) => !done.has(b));
}
