import { WORDS_PER_GRANT } from "../../client/src/chain/aggregate";
import { WORDS_PER_DECRYPTION } from "../../client/src/codec/layout";
import type { TaskEvent } from "./events";

/** Words [from, from + count) of a round's aggregate. */
export interface WordRange {
  from: number;
  count: number;
}

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
        : policy === 1
          ? e.name === "AggregateMadePublic"
          : e.name === "AggregateAccessGranted" && account !== undefined && same(e.args.account, account),
    )
    .map((e) => ({ from: Number(e.args.fromWord), count: Number(e.args.count) }));
}

/** The words of [0, wordCount) no range covers, as ranges of at most `max` words (one transaction each). */
export function missingRanges(wordCount: number, covered: readonly WordRange[], max = WORDS_PER_GRANT): WordRange[] {
  const have = new Uint8Array(wordCount);
  for (const r of covered) have.fill(1, Math.max(0, r.from), Math.min(wordCount, r.from + r.count));
  const out: WordRange[] = [];
  let w = 0;
  while (w < wordCount) {
    if (have[w]) {
      w++;
      continue;
    }
    const from = w;
    while (w < wordCount && !have[w] && w - from < max) w++;
    out.push({ from, count: w - from });
  }
  return out;
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
