import type { Deployment as ChainDeployment } from "../../client/src/chain/deployment";

/**
 * What the pages need of a deployment JSON (client/src/chain/deployment.ts, written by `npm run devnet`
 * and fl:deploy): the chain and the aggregator. The node's own URL stays on the server (/api/rpc).
 */
export type Deployment = Pick<ChainDeployment, "network" | "chainId" | "aggregator" | "blockNumber">;

/** What the server hands the pages: the deployment, or why there is none. */
export type DeploymentState = { ok: true; deployment: Deployment; rpcUrl?: string } | { ok: false; error: string };

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Validates a parsed deployment JSON ({network?, chainId, aggregator, blockNumber, rpcUrl?}). */
export function parseDeployment(value: unknown, network: string): Deployment & { rpcUrl?: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("the deployment file is not a JSON object");
  }
  const { chainId, aggregator, blockNumber, rpcUrl } = value as Record<string, unknown>;
  if (!Number.isSafeInteger(chainId) || (chainId as number) <= 0) {
    throw new Error(`chainId must be a positive integer, got ${JSON.stringify(chainId)}`);
  }
  if (typeof aggregator !== "string" || !ADDRESS.test(aggregator)) {
    throw new Error(`aggregator must be a 0x-prefixed address, got ${JSON.stringify(aggregator)}`);
  }
  const block = blockNumber ?? 0;
  if (!Number.isSafeInteger(block) || (block as number) < 0) {
    throw new Error(`blockNumber must be a non-negative integer, got ${JSON.stringify(blockNumber)}`);
  }
  if (rpcUrl !== undefined && typeof rpcUrl !== "string") throw new Error("rpcUrl must be a string");
  return { network, chainId: chainId as number, aggregator, blockNumber: block as number, rpcUrl };
}
