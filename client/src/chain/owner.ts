import type { Signer } from "ethers";
import type { CodecParams } from "../codec/layout";
import { FLuFHEAggregator__factory, type FLuFHEAggregator } from "../../../types";
import { toOnChainCodec } from "./task";

export const Policy = { Participants: 0, Public: 1 } as const;

/** Deploys the aggregator and returns it with its deployment block. */
export async function deployAggregator(signer: Signer): Promise<{ aggregator: FLuFHEAggregator; blockNumber: number }> {
  const aggregator = await new FLuFHEAggregator__factory(signer).deploy();
  const receipt = await aggregator.deploymentTransaction()!.wait();
  return { aggregator: aggregator as FLuFHEAggregator, blockNumber: receipt!.blockNumber };
}

export interface NewTask {
  modelHash: string;
  modelURI: string;
  codec: CodecParams;
  participants: string[];
  minCohort: number;
  maxCohort: number;
  rounds: number;
  roundDuration: number;
  policy: number;
}

/** Creates a task and returns its id, read from the TaskCreated event. */
export async function createTrainingTask(aggregator: FLuFHEAggregator, task: NewTask): Promise<bigint> {
  const config = {
    modelHash: task.modelHash,
    modelURI: task.modelURI,
    codec: toOnChainCodec(task.codec),
    minCohort: task.minCohort,
    maxCohort: task.maxCohort,
    rounds: task.rounds,
    roundDuration: task.roundDuration,
    policy: task.policy,
  };
  const receipt = await (await aggregator.createTask(config, task.participants)).wait();
  for (const log of receipt!.logs) {
    const parsed = aggregator.interface.parseLog(log);
    if (parsed?.name === "TaskCreated") return parsed.args.taskId as bigint;
  }
  throw new Error("createTask mined without a TaskCreated event");
}
