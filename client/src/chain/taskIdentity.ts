/**
 * Which task, exactly: local state (a participant's saved update, the browser's records) is only
 * valid for the task it was made for. Chain id, aggregator and task id are not enough: a restarted
 * devnet deploys the aggregator at the same address and numbers its tasks from 1 again. The hash of
 * the block that created the task is what differs (its timestamp alone makes it unique), and the
 * model commitment catches anything else.
 */
import type { Provider } from "ethers";
import type { FLuFHEAggregator } from "../../../types";
import { withRetry } from "./retry";

export interface TaskIdentity {
  chainId: string;
  aggregator: string;
  taskId: string;
  modelHash: string;
  createdBlock: number;
  createdBlockHash: string;
}

/** The identity of task `taskId` on the aggregator's chain (the task view, if already read, saves a call). */
export async function readTaskIdentity(
  aggregator: FLuFHEAggregator,
  taskId: bigint,
  task?: { config: { modelHash: string }; createdBlock: bigint },
): Promise<TaskIdentity> {
  const provider = aggregator.runner?.provider as Provider | undefined | null;
  if (!provider) throw new Error("reading a task's identity needs a contract connected to a provider");
  const view = task ?? (await withRetry("reading the task", () => aggregator.getTask(taskId)));
  const createdBlock = Number(view.createdBlock);
  const [network, block, address] = await Promise.all([
    withRetry("reading the chain id", () => provider.getNetwork()),
    withRetry(`reading block ${createdBlock}`, () => provider.getBlock(createdBlock)),
    aggregator.getAddress(),
  ]);
  if (!block?.hash) throw new Error(`the node has no block ${createdBlock}, where task ${taskId} was created`);
  return {
    chainId: String(network.chainId),
    aggregator: address.toLowerCase(),
    taskId: String(taskId),
    modelHash: view.config.modelHash.toLowerCase(),
    createdBlock,
    createdBlockHash: block.hash.toLowerCase(),
  };
}

const FIELDS: (keyof TaskIdentity)[] = [
  "chainId",
  "aggregator",
  "taskId",
  "modelHash",
  "createdBlock",
  "createdBlockHash",
];

/** The fields in which `saved` differs from `current` (none: the same task). */
export function identityMismatch(saved: Partial<TaskIdentity> | undefined, current: TaskIdentity): string[] {
  return FIELDS.filter((f) => String(saved?.[f] ?? "").toLowerCase() !== String(current[f]).toLowerCase());
}

/** "task 1 on chain 31337 (aggregator 0x…, created in block 12 0xabcd…)". */
export function describeTask(id: Partial<TaskIdentity> | undefined): string {
  if (!id?.taskId) return "an unknown task (the file records no task identity: written by an older version)";
  const block = id.createdBlockHash ? ` in block ${id.createdBlock} ${id.createdBlockHash.slice(0, 10)}…` : "";
  return `task ${id.taskId} on chain ${id.chainId ?? "?"} (aggregator ${id.aggregator ?? "?"}, created${block || " at an unknown block"})`;
}
