/**
 * The page's decryption flows, each a list of labelled steps and the work behind them: user
 * decryption (PARTICIPANTS policy), public decryption (PUBLIC policy) and posting the clear aggregate
 * with its KMS proofs. No React: hooks/useDecryption runs them and shows their steps.
 */
import type { JsonRpcProvider } from "ethers";
import {
  grantRanges,
  missingRanges,
  publishBatches,
  type TxProgress,
  type WordRange,
} from "../../../client/src/chain/aggregate";
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
import { taskEncodingName } from "../modelSpec";
import type { ModelStore } from "../model/store";
import { checkDecodable, decodeTaskRound, type ModelDimension } from "./decode";
import type { DecodedValues } from "./download";
import { readHandles } from "./handles";
import { grantedRanges } from "./ranges";

/** A revealed round's lane sums as decrypted once in this visit; under PUBLIC with the KMS-signed batches to post. */
export interface DecryptedAggregate {
  words: readonly bigint[];
  publicBatches?: PublicBatch[];
}

/** A decrypted and decoded round; under PUBLIC also the KMS-signed batches to post on-chain. */
export interface DecodedRound extends DecodedValues {
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
  /** Where a lowrank task's decode reads the models its round and the round before opened with (default: the browser's). */
  models?: ModelStore;
}

/** The connected wallet's signer, or undefined while none is connected. */
export type GetSigner = (() => Promise<WalletSigner>) | undefined;

/** A step's progress line for a run of wallet transactions (client/src/chain's TxProgress). */
export function txProgress(report: StepReporter, step: number, what = ""): TxProgress {
  return ({ i, n, phase, hash }) => {
    if (phase === "sending") report(step, "active", `transaction ${i} of ${n}${what}: confirm in your wallet`);
    if (phase === "pending") report(step, "active", `transaction ${i} of ${n} pending (${shortHash(hash ?? "")})`);
  };
}

/**
 * Step `step`: the allowAggregate transactions the rounds still miss (client/src/chain's grantRanges),
 * skipped when every word is granted.
 */
export async function grantStep(
  deployment: Pick<Deployment, "aggregator">,
  getSigner: GetSigner,
  taskId: bigint,
  missing: readonly { round: number; ranges: readonly WordRange[] }[],
  step: number,
  report: StepReporter,
): Promise<void> {
  const total = missing.reduce((n, m) => n + m.ranges.length, 0);
  if (total === 0) return report(step, "skipped", "already granted");
  if (!getSigner) throw new Error("connect a wallet on the aggregator's chain first");
  const aggregator = aggregatorAt(deployment.aggregator, (await getSigner()).signer);
  for (const { round, ranges } of missing) {
    await grantRanges(aggregator, taskId, round, ranges, txProgress(report, step, ` (round ${round})`));
  }
  report(step, "done", `${total} transaction(s) confirmed`);
}

/**
 * Steps `step` (sign) and `step + 1` (decrypt): one EIP-712 user-decryption request for `handles`, signed
 * in the wallet, decrypted through the KMS.
 */
export async function userDecryptStep(
  deployment: Pick<Deployment, "chainId" | "aggregator">,
  provider: JsonRpcProvider,
  signer: WalletSigner,
  handles: string[],
  step: number,
  report: StepReporter,
): Promise<bigint[]> {
  report(step, "active", "loading the decryption keys");
  await prepareDecryption();
  const { instance } = await fhevmConnection(deployment.chainId, provider, signer.eip1193);
  report(step, "active", "confirm in your wallet");
  const signing: TypedDataSigner = {
    getAddress: () => signer.signer.getAddress(),
    signTypedData: async (domain, types, message) => {
      const signature = await signer.signer.signTypedData(domain, types, message);
      report(step, "done", "signed");
      report(step + 1, "active", `${handles.length} word(s)`);
      return signature;
    },
  };
  const words = await userDecryptWords(instance, signing, deployment.aggregator, handles);
  report(step + 1, "done", `${words.length} word(s)`);
  return words;
}

/** Step `step`: the lane sums decoded into the averaged model update, with the task's encoding. */
async function decode(
  ctx: RoundContext,
  words: readonly bigint[],
  step: number,
  report: StepReporter,
): Promise<Pick<DecodedValues, "values" | "encoding">> {
  report(step, "active");
  const decoded = await decodeTaskRound(ctx.task, ctx.round, words, ctx.modelDimension, ctx.models);
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
      await checkDecodable(ctx.task, ctx.round, ctx.models); // before the wallet signs anything
      const signer = await getSigner();
      const me = await signer.signer.getAddress();
      const granted = grantedRanges(ctx.events, ctx.round, Policy.Participants, me);
      const ranges = missingRanges(wordCount, granted);
      await grantStep(ctx.deployment, getSigner, ctx.task.id, [{ round: ctx.round, ranges }], 0, report);
      const words = await userDecryptStep(ctx.deployment, ctx.provider, signer, await handlesOf(ctx), 1, report);
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
      await checkDecodable(ctx.task, ctx.round, ctx.models); // before any transaction or KMS request
      const ranges = missingRanges(wordCount, grantedRanges(ctx.events, ctx.round, Policy.Public));
      await grantStep(ctx.deployment, getSigner, ctx.task.id, [{ round: ctx.round, ranges }], 0, report);
      report(1, "active");
      const { instance } = await fhevmConnection(ctx.deployment.chainId, ctx.provider);
      const batches = await publicDecryptWords(instance, await handlesOf(ctx));
      const words = batches.flatMap((b) => b.values);
      report(1, "done", `${batches.length} batch(es) with KMS proofs`);
      return { round: ctx.round, words, ...(await decode(ctx, words, 2, report)), publicBatches: batches };
    },
  };
}

/**
 * A round this visit decrypted already (the other panel, e.g. the global-model rebuild): only decoded,
 * so nothing is asked of the wallet and the KMS is not asked again.
 */
export function decodeDecrypted(ctx: RoundContext, aggregate: DecryptedAggregate): Flow<DecodedRound> {
  return {
    labels: [`Reuse round ${ctx.round}'s aggregate, decrypted earlier in this visit`, decodeLabel(ctx.task)],
    run: async (report) => {
      report(0, "done", "no new signature or KMS request");
      const decoded = await decode(ctx, aggregate.words, 1, report);
      return { round: ctx.round, words: aggregate.words, ...decoded, publicBatches: aggregate.publicBatches };
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
      const posts = batches.map((batch) => ({ batch, proven: proven[batch] }));
      await publishBatches(aggregator, ctx.task.id, ctx.round, posts, txProgress(report, 0, " (one clear batch)"));
      report(0, "done", "verified on-chain with FHE.checkSignatures");
    },
  };
}
