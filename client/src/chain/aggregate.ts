import { decodeAggregate } from "../codec/update";
import type { Layout } from "../codec/layout";
import { publicDecryptWords, userDecryptWords } from "../fhe/decrypt";
import type { FheInstance, TypedDataSigner } from "../fhe/instance";
import type { FLuFHEAggregator } from "../../../types";

/** Words granted per allowAggregate transaction: ~25k gas per ACL grant keeps it well under the cap. */
export const WORDS_PER_GRANT = 400;

/** Words [from, from + count) of a round's aggregate. */
export interface WordRange {
  from: number;
  count: number;
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

/**
 * Grants the connected account (PARTICIPANTS) or the public (PUBLIC) access to a revealed aggregate,
 * skipping the word ranges earlier grants already cover (read from the contract's events), so
 * rebuilding a model round after round does not pay for the same ACL entries again.
 */
export async function allowWholeAggregate(
  aggregator: FLuFHEAggregator,
  taskId: bigint,
  round: number,
  wordCount: number,
  policy = 0,
): Promise<void> {
  const runner = aggregator.runner as { getAddress?: () => Promise<string> } | null;
  const account = runner?.getAddress ? await runner.getAddress() : undefined;
  const filter =
    policy === 1
      ? aggregator.filters.AggregateMadePublic(taskId, round)
      : aggregator.filters.AggregateAccessGranted(taskId, round, account);
  const covered = (await aggregator.queryFilter(filter)).map((e) => ({
    from: Number(e.args.fromWord),
    count: Number(e.args.count),
  }));
  for (const { from, count } of missingRanges(wordCount, covered)) {
    await (await aggregator.allowAggregate(taskId, round, from, count, { gasLimit: 200_000 + count * 40_000 })).wait();
  }
}

/** The decoded average delta of a revealed round, and the raw lane-sum words it came from. */
export interface RevealedAggregate {
  words: bigint[];
  contributors: number[];
  delta: Float64Array;
}

/**
 * Decrypts and decodes a revealed round's aggregate for the signer (PARTICIPANTS policy: user
 * decryption after its own ACL grants; PUBLIC policy: public decryption).
 */
export async function fetchAggregate(args: {
  aggregator: FLuFHEAggregator;
  instance: FheInstance;
  signer: TypedDataSigner;
  taskId: bigint;
  round: number;
  layout: Layout;
  policy: number;
}): Promise<RevealedAggregate> {
  const { aggregator, instance, signer, taskId, round, layout } = args;
  await allowWholeAggregate(aggregator, taskId, round, layout.wordCount, args.policy);
  const handles = await aggregator.aggregateHandles(taskId, round, 0, layout.wordCount);
  const words =
    args.policy === 1
      ? (await publicDecryptWords(instance, handles)).flatMap((b) => b.values)
      : await userDecryptWords(instance, signer, await aggregator.getAddress(), handles);
  const contributors = (await aggregator.chunkContributors(taskId, round)).map(Number);
  return { words, contributors, delta: decodeAggregate(words, contributors, layout) };
}
