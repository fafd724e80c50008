/**
 * The deployment file's format (deployments/<network>.json, written by `npm run devnet` and fl:deploy)
 * and its one validation: pure, so the CLI, the tasks and the web server read it alike.
 */

/** Where the CLI, the tasks and the web app find the contracts of a network. */
export interface Deployment {
  network: string;
  chainId: number;
  aggregator: string;
  blockNumber: number;
  rpcUrl?: string;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Validates a parsed deployment JSON ({network?, chainId, aggregator, blockNumber, rpcUrl?}). */
export function parseDeployment(value: unknown, network: string): Deployment {
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
