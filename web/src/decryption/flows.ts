/**
 * The page's decryption flows, each a list of labelled steps and the work behind them: user
 * decryption (PARTICIPANTS policy), public decryption (PUBLIC policy) and posting the clear aggregate
 * with its KMS proofs. No React: hooks/useDecryption runs them and shows their steps.
 */
import type { JsonRpcProvider } from "ethers";
import { missingRanges, type WordRange } from "../../../client/src/chain/aggregate";
import type { TaskEvent } from "../../../client/src/chain/events";
import { publicDecryptWords, userDecryptWords, type PublicBatch } from "../../../client/src/fhe/decrypt";
import type { TypedDataSigner } from "../../../client/src/fhe/instance";
import { Policy } from "../../../client/src/protocol/vocabulary";
import { aggregatorAt, type TaskSnapshot } from "../chain";
import type { Deployment } from "../deployment";
import { fhevmConnection, prepareDecryption } from "../fhe";
import { shortHash } from "../format";
import type { Flow, StepReporter } from "../progress";
import type { WalletSigner } from "../wallet/signer";
import { decodeTaskRound, taskEncodingName, type ModelDimension } from "./decode";
import type { DecodedValues } from "./download";
import { readHandles } from "./handles";
import { grantedRanges } from "./ranges";

/** A decrypted and decoded round; under PUBLIC also the KMS-signed batches to post on-chain. */
export interface DecodedRound extends DecodedValues {
  words: bigint[];
  publicBatches?: PublicBatch[];
}

/** Where a flow works: the app's chain, the task, one revealed round and the task's events so far. */
export interface RoundContext {
  deployment: Deployment;
  provider: JsonRpcProvider;
  task: TaskSnapshot;
  round: number;
  events: readonly TaskEvent[];
  /** The model's parameter count, for a compressed task's decode (default: the model API). */
  modelDimension?: ModelDimension;
}

/** The connected wallet's signer, or undefined while none is connected. */
export type GetSigner = (() => Promise<WalletSigner>) | undefined;

/** Step `step`: one allowAggregate transaction per missing range (skipped when every word is granted). */
async function grant(
  ctx: RoundContext,
  signer: WalletSigner | undefined,
  ranges: WordRange[],
  step: number,
  report: StepReporter,
) {
  if (ranges.length === 0) return report(step, "skipped", "already granted");
  if (!signer) throw new Error("connect a wallet on the aggregator's chain first");
  const aggregator = aggregatorAt(ctx.deployment.aggregator, signer.signer);
  for (const [i, r] of ranges.entries()) {
    report(step, "active", `transaction ${i + 1} of ${ranges.length}: confirm in your wallet`);
    const tx = await aggregator.allowAggregate(ctx.task.id, ctx.round, r.from, r.count);
    report(step, "active", `transaction ${i + 1} of ${ranges.length} pending (${shortHash(tx.hash)})`);
    await tx.wait();
  }
  report(step, "done", `${ranges.length} transaction(s) confirmed`);
}

/** Step `step`: the lane sums decoded into the averaged model update, with the task's encoding. */
async function decode(
  ctx: RoundContext,
  words: bigint[],
  step: number,
  report: StepReporter,
): Promise<Pick<DecodedValues, "values" | "encoding">> {
  report(step, "active");
  const decoded = await decodeTaskRound(ctx.task, ctx.round, words, ctx.modelDimension);
  report(step, "done", `${decoded.values.length} parameters`);
  return decoded;
}

/** The decode step's label, naming the encoding when it compresses. */
function decodeLabel(task: TaskSnapshot): string {
  const name = taskEncodingName(task);
  return name === undefined || name === "quant"
    ? "Decode the averaged update"
    : `Decode the averaged update with the task's encoding (${name})`;
}

const handlesOf = (ctx: RoundContext) =>
  readHandles(aggregatorAt(ctx.deployment.aggregator, ctx.provider), ctx.task.id, ctx.round, ctx.task.layout.wordCount);

/** PARTICIPANTS policy: grant this account the words, sign an EIP-712 request, decrypt through the KMS, decode. */
export function userDecryption(ctx: RoundContext, getSigner: GetSigner): Flow<DecodedRound> {
  const { wordCount } = ctx.task.layout;
  return {
    labels: [
      `Grant this account access to the ${wordCount} aggregate word(s)`,
      "Sign the EIP-712 user-decryption request",
      `Decrypt ${wordCount} word(s) through the KMS`,
      decodeLabel(ctx.task),
    ],
    run: async (report) => {
      if (!getSigner) throw new Error("connect a wallet first");
      const signer = await getSigner();
      const me = await signer.signer.getAddress();
      const granted = grantedRanges(ctx.events, ctx.round, Policy.Participants, me);
      await grant(ctx, signer, missingRanges(wordCount, granted), 0, report);
      report(1, "active", "loading the decryption keys");
      await prepareDecryption();
      const { instance } = await fhevmConnection(ctx.deployment.chainId, ctx.provider, signer.eip1193);
      const handles = await handlesOf(ctx);
      report(1, "active", "confirm in your wallet");
      const signing: TypedDataSigner = {
        getAddress: () => signer.signer.getAddress(),
        signTypedData: async (domain, types, message) => {
          const signature = await signer.signer.signTypedData(domain, types, message);
          report(1, "done", "signed");
          report(2, "active");
          return signature;
        },
      };
      const words = await userDecryptWords(instance, signing, ctx.deployment.aggregator, handles);
      report(2, "done");
      return { round: ctx.round, words, ...(await decode(ctx, words, 3, report)) };
    },
  };
}

/** PUBLIC policy: make the words publicly decryptable (if nobody has yet), public-decrypt with KMS proofs, decode. */
export function publicDecryption(ctx: RoundContext, getSigner: GetSigner): Flow<DecodedRound> {
  const { wordCount } = ctx.task.layout;
  return {
    labels: [
      `Make the ${wordCount} aggregate word(s) publicly decryptable`,
      `Public-decrypt ${wordCount} word(s) through the KMS`,
      decodeLabel(ctx.task),
    ],
    run: async (report) => {
      const missing = missingRanges(wordCount, grantedRanges(ctx.events, ctx.round, Policy.Public));
      await grant(ctx, missing.length > 0 && getSigner ? await getSigner() : undefined, missing, 0, report);
      report(1, "active");
      const { instance } = await fhevmConnection(ctx.deployment.chainId, ctx.provider);
      const batches = await publicDecryptWords(instance, await handlesOf(ctx));
      const words = batches.flatMap((b) => b.values);
      report(1, "done", `${batches.length} batch(es) with KMS proofs`);
      return { round: ctx.round, words, ...(await decode(ctx, words, 2, report)), publicBatches: batches };
    },
  };
}

/** PUBLIC policy: post the clear batches not verified yet, each with its KMS proof (FHE.checkSignatures on-chain). */
export function publishClear(
  ctx: RoundContext,
  decoded: DecodedRound | undefined,
  batches: number[],
  getSigner: GetSigner,
): Flow<void> {
  return {
    labels: [`Post ${batches.length} clear batch(es) with their KMS proofs`],
    run: async (report) => {
      const proven = decoded?.publicBatches;
      if (!getSigner || !proven) throw new Error("connect a wallet and decrypt first");
      const aggregator = aggregatorAt(ctx.deployment.aggregator, (await getSigner()).signer);
      for (const [i, b] of batches.entries()) {
        const batch = proven[b];
        report(0, "active", `batch ${b} (${i + 1} of ${batches.length}): confirm in your wallet`);
        const tx = await aggregator.publishClearAggregate(
          ctx.task.id,
          ctx.round,
          b,
          batch.abiEncodedClearValues,
          batch.decryptionProof,
        );
        report(0, "active", `batch ${b} pending (${shortHash(tx.hash)})`);
        await tx.wait();
      }
      report(0, "done", "verified on-chain with FHE.checkSignatures");
    },
  };
}
