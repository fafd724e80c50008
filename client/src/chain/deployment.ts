import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { parseDeployment, type Deployment } from "./deploymentFormat";

export type { Deployment } from "./deploymentFormat";

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
  try {
    return parseDeployment(JSON.parse(readFileSync(file, "utf8")), network);
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}; deploy again (fl:deploy or npm run devnet)`);
  }
}
