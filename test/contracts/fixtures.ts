import { ethers, fhevm } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { layoutOf, type CodecParams, type Layout } from "../../client/src/codec/layout";
import { encodeUpdate } from "../../client/src/codec/update";
import { toOnChainCodec } from "../../client/src/protocol/taskConfig";
import { NO_PRIVACY, type OnChainPrivacy } from "../../client/src/protocol/privacy";
import { submitUpdate } from "../../client/src/chain/submit";
import { userDecryptWords } from "../../client/src/fhe/decrypt";
import type { FLuFHEAggregator } from "../../types";
import { mulberry32 } from "../../client/src/util/random";
import { SMALL_CODEC } from "../shared/codecs";
import { Policy } from "../../client/src/protocol/vocabulary";

export { Policy, RoundState } from "../../client/src/protocol/vocabulary";

export const MODEL_HASH = ethers.id("flufhe-test-model-v1");

export { SMALL_CODEC } from "../shared/codecs";

export interface TaskOptions {
  codec?: CodecParams;
  minCohort?: number;
  maxCohort?: number;
  rounds?: number;
  roundDuration?: number;
  policy?: number;
  privacy?: OnChainPrivacy;
}

export async function deployAggregator(): Promise<{ aggregator: FLuFHEAggregator; address: string }> {
  const factory = await ethers.getContractFactory("FLuFHEAggregator");
  const aggregator = (await factory.deploy()) as unknown as FLuFHEAggregator;
  await aggregator.waitForDeployment();
  const address = await aggregator.getAddress();
  await fhevm.assertCoprocessorInitialized(aggregator, "FLuFHEAggregator");
  return { aggregator, address };
}

export function taskConfig(options: TaskOptions = {}) {
  const codec = options.codec ?? SMALL_CODEC;
  return {
    modelHash: MODEL_HASH,
    modelURI: "test://logreg",
    codec: toOnChainCodec(codec),
    minCohort: options.minCohort ?? 2,
    maxCohort: options.maxCohort ?? 16,
    rounds: options.rounds ?? 3,
    roundDuration: options.roundDuration ?? 3600,
    policy: options.policy ?? Policy.Participants,
    privacy: options.privacy ?? NO_PRIVACY,
  };
}

/** Creates a task as `owner` and returns its id and the layout participants derive from it. */
export async function createTask(
  aggregator: FLuFHEAggregator,
  owner: HardhatEthersSigner,
  participants: string[],
  options: TaskOptions = {},
): Promise<{ taskId: bigint; layout: Layout }> {
  const config = taskConfig(options);
  const taskId = await aggregator.connect(owner).createTask.staticCall(config, participants);
  await (await aggregator.connect(owner).createTask(config, participants)).wait();
  return { taskId, layout: layoutOf(options.codec ?? SMALL_CODEC, options.maxCohort ?? 16) };
}

/** Seeded random deltas in [-range, range]. */
export function randomDelta(n: number, seed: number, range: number): Float64Array {
  const random = mulberry32(seed);
  return Float64Array.from({ length: n }, () => (random() * 2 - 1) * range);
}

export async function submitDelta(
  aggregator: FLuFHEAggregator,
  signer: HardhatEthersSigner,
  taskId: bigint,
  round: number,
  delta: ArrayLike<number>,
  layout: Layout,
  samples?: number,
) {
  return submitUpdate({
    aggregator: aggregator.connect(signer),
    instance: fhevm,
    taskId,
    round,
    chunks: encodeUpdate(delta, layout, { samples }),
    layout,
  });
}

/** Grants the signer access to the whole aggregate (PARTICIPANTS policy) and user-decrypts it. */
export async function decryptAggregate(
  aggregator: FLuFHEAggregator,
  signer: HardhatEthersSigner,
  taskId: bigint,
  round: number,
  layout: Layout,
): Promise<bigint[]> {
  await (await aggregator.connect(signer).allowAggregate(taskId, round, 0, layout.wordCount)).wait();
  const handles = await aggregator.aggregateHandles(taskId, round, 0, layout.wordCount);
  return userDecryptWords(fhevm, signer, await aggregator.getAddress(), handles);
}

/** Plaintext mean of clipped deltas: what the decoded aggregate must approximate. */
export function clippedMean(deltas: ArrayLike<number>[], clip: number): Float64Array {
  const out = new Float64Array(deltas[0].length);
  for (const d of deltas) for (let i = 0; i < out.length; i++) out[i] += Math.min(Math.max(d[i], -clip), clip);
  return out.map((v) => v / deltas.length);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
