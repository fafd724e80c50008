import type { Deployment as ChainDeployment } from "../../client/src/chain/deploymentFormat";

/**
 * What the pages need of a deployment JSON (client/src/chain/deployment.ts, written by `npm run devnet`
 * and fl:deploy): the chain and the aggregator. The node's own URL stays on the server (/api/rpc).
 */
export type Deployment = Pick<ChainDeployment, "network" | "chainId" | "aggregator" | "blockNumber">;

/** What the server hands the pages: the deployment, or why there is none. */
export type DeploymentState = { ok: true; deployment: Deployment; rpcUrl?: string } | { ok: false; error: string };

export { parseDeployment } from "../../client/src/chain/deploymentFormat";
