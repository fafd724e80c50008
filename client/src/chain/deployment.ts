import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Where the CLI, the tasks and the web app find the contracts of a network. */
export interface Deployment {
  network: string;
  chainId: number;
  aggregator: string;
  blockNumber: number;
  rpcUrl?: string;
}

/** deployments/ at the repository root, or FLUFHE_DEPLOYMENTS_DIR (tests use a temporary one). */
export const DEPLOYMENTS_DIR =
  process.env.FLUFHE_DEPLOYMENTS_DIR ?? path.resolve(__dirname, "..", "..", "..", "deployments");

export function deploymentPath(network: string, dir = DEPLOYMENTS_DIR): string {
  return path.join(dir, `${network}.json`);
}

export function writeDeployment(deployment: Deployment, dir = DEPLOYMENTS_DIR): string {
  mkdirSync(dir, { recursive: true });
  const file = deploymentPath(deployment.network, dir);
  writeFileSync(file, JSON.stringify(deployment, null, 2) + "\n");
  return file;
}

export function readDeployment(network: string, dir = DEPLOYMENTS_DIR): Deployment {
  const file = deploymentPath(network, dir);
  if (!existsSync(file)) {
    throw new Error(`no deployment for network "${network}" (${file}): run fl:deploy or npm run devnet first`);
  }
  return JSON.parse(readFileSync(file, "utf8")) as Deployment;
}
