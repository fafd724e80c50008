import type { Signer } from "ethers";
import { FLuFHEAggregator__factory, type FLuFHEAggregator } from "../../../types";
import type { IFLuFHEAggregator } from "../../../types/contracts/FLuFHEAggregator";
import { transact } from "./transact";

/** Deploys the aggregator and returns it with its deployment block. */
export async function deployAggregator(signer: Signer): Promise<{ aggregator: FLuFHEAggregator; blockNumber: number }> {
  const aggregator = await new FLuFHEAggregator__factory(signer).deploy();
  const receipt = await aggregator.deploymentTransaction()!.wait();
  return { aggregator: aggregator as FLuFHEAggregator, blockNumber: receipt!.blockNumber };
}

/** Creates a task and returns its id, read from the TaskCreated event. */
export async function createTrainingTask(
  aggregator: FLuFHEAggregator,
  config: IFLuFHEAggregator.TaskConfigStruct,
  participants: string[],
): Promise<bigint> {
  const receipt = await transact(aggregator, { fn: "createTask" }, [config, participants]);
  for (const log of receipt.logs) {
    const parsed = aggregator.interface.parseLog(log);
    if (parsed?.name === "TaskCreated") return parsed.args.taskId as bigint;
  }
  throw new Error("createTask mined without a TaskCreated event");
}
