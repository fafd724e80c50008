import type { UpdateEncoding } from "../codec/encoding";
import { decodeAggregate } from "../codec/update";
import { WORDS_PER_DECRYPTION, type Layout } from "../codec/layout";
import { publicDecryptWords, userDecryptWords, type PublicBatch } from "../fhe/decrypt";
import type { FheInstance, TypedDataSigner } from "../fhe/instance";
import { Policy } from "../protocol/vocabulary";
import type { FLuFHEAggregator } from "../../../types";
import { transact, type CallSite } from "./transact";

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
/**
 * The address of the signer the aggregator is connected to. Without one, event filters by account
 * would match everybody's grants (and transactions cannot be sent), so this fails early instead.
 */
export async function signerAddress(aggregator: FLuFHEAggregator, purpose: string): Promise<string> {
  const runner = aggregator.runner as { getAddress?: () => Promise<string> } | null;
  if (!runner?.getAddress) {
    throw new Error(`to ${purpose}, connect the aggregator to the account's signer (aggregator.connect(signer))`);
  }
  return runner.getAddress();
}

export async function allowWholeAggregate(
  aggregator: FLuFHEAggregator,
  taskId: bigint,
  round: number,
  wordCount: number,
  policy: number = Policy.Participants,
  fromBlock = 0,
): Promise<void> {
  const account = await signerAddress(aggregator, "grant access to an aggregate");
  const filter =
    policy === Policy.Public
      ? aggregator.filters.AggregateMadePublic(taskId, round)
      : aggregator.filters.AggregateAccessGranted(taskId, round, account);
  const covered = (await aggregator.queryFilter(filter, fromBlock)).map((e) => ({
    from: Number(e.args.fromWord),
    count: Number(e.args.count),
  }));
  await grantRanges(aggregator, taskId, round, missingRanges(wordCount, covered));
}

/**
 * Progress of a run of transactions: `sending` before the wallet or signer is asked, `pending` once the
 * node accepted it, `confirmed` once mined (i of n, from 1).
 */
export type TxProgress = (p: {
  i: number;
  n: number;
  phase: "sending" | "pending" | "confirmed";
  hash?: string;
}) => void;

/** One aggregator call of a run: where it is made, its arguments and overrides. */
interface PlannedCall {
  site: CallSite;
  args: unknown[];
  overrides?: { gasLimit?: number };
}

/** Sends the calls one after another, reporting each one's progress (i of n). */
async function transactEach(aggregator: FLuFHEAggregator, calls: readonly PlannedCall[], onTx?: TxProgress) {
  for (const [k, call] of calls.entries()) {
    const step = { i: k + 1, n: calls.length };
    onTx?.({ ...step, phase: "sending" });
    const receipt = await transact(aggregator, call.site, call.args, call.overrides, (hash) =>
      onTx?.({ ...step, phase: "pending", hash }),
    );
    onTx?.({ ...step, phase: "confirmed", hash: receipt.hash });
  }
}

/**
 * Grants the signer (PARTICIPANTS) or the public (PUBLIC) the word ranges given, one allowAggregate
 * transaction each (the caller knows which ranges are missing: from the contract's events).
 */
export function grantRanges(
  aggregator: FLuFHEAggregator,
  taskId: bigint,
  round: number,
  ranges: readonly WordRange[],
  onTx?: TxProgress,
): Promise<void> {
  const calls = ranges.map(({ from, count }) => ({
    site: { fn: "allowAggregate", taskId, round },
    args: [taskId, round, from, count],
    overrides: { gasLimit: 200_000 + count * 40_000 },
  }));
  return transactEach(aggregator, calls, onTx);
}

/**
 * PUBLIC policy: posts the clear values of the given decryption batches with their KMS proofs (each
 * verified on-chain by FHE.checkSignatures), one transaction per batch.
 */
export function publishBatches(
  aggregator: FLuFHEAggregator,
  taskId: bigint,
  round: number,
  batches: readonly { batch: number; proven: PublicBatch }[],
  onTx?: TxProgress,
): Promise<void> {
  const calls = batches.map(({ batch, proven }) => ({
    site: { fn: "publishClearAggregate", taskId, round, batch },
    args: [taskId, round, batch, proven.abiEncodedClearValues, proven.decryptionProof],
  }));
  return transactEach(aggregator, calls, onTx);
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
  /** The task's encoding (default: today's codec); its round context is read from the chain. */
  encoding?: UpdateEncoding;
  /** The round's model minus the previous round's, when the encoding tracks it. */
  modelChange?: ArrayLike<number>;
  /** The round's model (lowrank's downstream start reads it in round 1). */
  model?: ArrayLike<number>;
}): Promise<RevealedAggregate> {
  const { aggregator, instance, signer, taskId, round, layout } = args;
  await allowWholeAggregate(aggregator, taskId, round, layout.wordCount, args.policy);
  const handles = await aggregator.aggregateHandles(taskId, round, 0, layout.wordCount);
  const words =
    args.policy === Policy.Public
      ? (await publicDecryptWords(instance, handles)).flatMap((b) => b.values)
      : await userDecryptWords(instance, signer, await aggregator.getAddress(), handles);
  const contributors = (await aggregator.chunkContributors(taskId, round)).map(Number);
  if (!args.encoding) return { words, contributors, delta: decodeAggregate(words, contributors, layout) };
  const { globalModelHash } = await aggregator.getRound(taskId, round);
  const ctx = { taskId, round, globalModelHash, modelChange: args.modelChange, model: args.model };
  const delta = args.encoding.decode(words, contributors, layout, ctx);
  return { words, contributors, delta };
}

/**
 * PUBLIC policy: public-decrypts a revealed round's aggregate and posts each 16-word batch with its
 * KMS proof, skipping the batches already verified on-chain (so a run cut short resumes where it stopped).
 */
export async function publishClearAggregate(args: {
  aggregator: FLuFHEAggregator;
  instance: FheInstance;
  taskId: bigint;
  round: number;
  layout: Layout;
  fromBlock?: number;
}): Promise<{ posted: number; skipped: number; commitment: string }> {
  const { aggregator, instance, taskId, round, layout } = args;
  await allowWholeAggregate(aggregator, taskId, round, layout.wordCount, Policy.Public, args.fromBlock);
  const published = await aggregator.queryFilter(
    aggregator.filters.ClearAggregateBatchPublished(taskId, round),
    args.fromBlock ?? 0,
  );
  const done = new Set(published.map((e) => Number(e.args.batch)));
  const batchCount = Math.ceil(layout.wordCount / WORDS_PER_DECRYPTION);
  let posted = 0;
  for (let b = 0; b < batchCount; b++) {
    if (done.has(b)) continue;
    const from = b * WORDS_PER_DECRYPTION;
    const count = Math.min(WORDS_PER_DECRYPTION, layout.wordCount - from);
    const handles = await aggregator.aggregateHandles(taskId, round, from, count);
    const [proven] = await publicDecryptWords(instance, handles);
    await publishBatches(aggregator, taskId, round, [{ batch: b, proven }]);
    posted++;
  }
  const commitment = await aggregator.clearAggregateCommitment(taskId, round);
  return { posted, skipped: batchCount - posted, commitment };
}
