/** Which parts of a revealed round are already decryptable or verified, from the task's events. Pure. */
import { missingRanges, type WordRange } from "../../../client/src/chain/aggregate";
import type { TaskEvent } from "../../../client/src/chain/events";
import { WORDS_PER_DECRYPTION } from "../../../client/src/codec/layout";
import { Policy } from "../../../client/src/protocol/vocabulary";
import { sameAddress } from "../chain";

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
          : e.name === "AggregateAccessGranted" && sameAddress(e.args.account, account),
    )
    .map((e) => ({ from: Number(e.args.fromWord), count: Number(e.args.count) }));
}

/** How many KMS decryption batches (and so clear batches to post under PUBLIC) a round's aggregate has. */
export function decryptionBatchCount(wordCount: number): number {
  return Math.ceil(wordCount / WORDS_PER_DECRYPTION);
}

/** Decryption batches of a PUBLIC round whose clear values are not verified on-chain yet. */
export function unpublishedBatches(events: readonly TaskEvent[], round: number, wordCount: number): number[] {
  const done = new Set(
    events
      .filter((e) => e.round === round && e.name === "ClearAggregateBatchPublished")
      .map((e) => Number(e.args.batch)),
  );
  return Array.from({ length: decryptionBatchCount(wordCount) }, (_, b) => b).filter((b) => !done.has(b));
}

/**
 * Whether decrypting `rounds` needs a wallet: under PARTICIPANTS always (the request is signed); under
 * PUBLIC only while some word is not publicly decryptable yet (making it so is a transaction; once
 * anyone has, any visitor can public-decrypt).
 */
export function decryptionNeedsWallet(
  events: readonly TaskEvent[],
  rounds: readonly number[],
  policy: number,
  wordCount: number,
): boolean {
  if (policy !== Policy.Public) return rounds.length > 0;
  return rounds.some((round) => missingRanges(wordCount, grantedRanges(events, round, Policy.Public)).length > 0);
}
