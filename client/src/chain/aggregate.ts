import { decodeAggregate } from "../codec/update";
import type { Layout } from "../codec/layout";
import { publicDecryptWords, userDecryptWords } from "../fhe/decrypt";
import type { FheInstance, TypedDataSigner } from "../fhe/instance";
import type { FLuFHEAggregator } from "../../../types";

/** Words granted per allowAggregate transaction: ~25k gas per ACL grant keeps it well under the cap. */
export const WORDS_PER_GRANT = 400;

/** Grants the connected account (PARTICIPANTS) or the public (PUBLIC) access to a revealed aggregate. */
export async function allowWholeAggregate(
  aggregator: FLuFHEAggregator,
  taskId: bigint,
  round: number,
  wordCount: number,
): Promise<void> {
  for (let first = 0; first < wordCount; first += WORDS_PER_GRANT) {
    const count = Math.min(WORDS_PER_GRANT, wordCount - first);
    await (await aggregator.allowAggregate(taskId, round, first, count, { gasLimit: 200_000 + count * 40_000 })).wait();
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
  await allowWholeAggregate(aggregator, taskId, round, layout.wordCount);
  const handles = await aggregator.aggregateHandles(taskId, round, 0, layout.wordCount);
  const words =
    args.policy === 1
      ? (await publicDecryptWords(instance, handles)).flatMap((b) => b.values)
      : await userDecryptWords(instance, signer, await aggregator.getAddress(), handles);
  const contributors = (await aggregator.chunkContributors(taskId, round)).map(Number);
  return { words, contributors, delta: decodeAggregate(words, contributors, layout) };
}
