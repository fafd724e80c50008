import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseDeployment, type DeploymentState } from "../deployment";

/** The network whose deployment the app serves (FLUFHE_NETWORK, default localhost). */
const network = () => process.env.FLUFHE_NETWORK?.trim() || "localhost";

/**
 * deployments/<network>.json as client/src/chain/deployment.ts places it: FLUFHE_DEPLOYMENTS_DIR, else
 * the repository's deployments/ (found upwards from the working directory: the repo root or web/).
 */
export function deploymentFile(): string {
  const name = `${network()}.json`;
  const dir = process.env.FLUFHE_DEPLOYMENTS_DIR?.trim();
  if (dir) return path.resolve(/*turbopackIgnore: true*/ dir, name);
  for (let d = process.cwd(); ; d = path.dirname(d)) {
    const file = path.join(d, "deployments", name);
    if (existsSync(/*turbopackIgnore: true*/ file)) return file;
    if (path.dirname(d) === d) return path.resolve(/*turbopackIgnore: true*/ "deployments", name);
  }
}

/** Reads the deployment at request time, so a redeploy needs no rebuild. */
export async function readDeployment(): Promise<DeploymentState> {
  const file = deploymentFile();
  let text: string;
  try {
    text = await readFile(/*turbopackIgnore: true*/ file, "utf8");
  } catch {
    return {
      ok: false,
      error: `no deployment found at ${file}: run npm run devnet (or fl:deploy), or set FLUFHE_DEPLOYMENTS_DIR`,
    };
  }
  try {
    const { rpcUrl, ...deployment } = parseDeployment(JSON.parse(text), network());
    return { ok: true, deployment, rpcUrl };
  } catch (error) {
    return { ok: false, error: `${file}: ${(error as Error).message}` };
  }
}

/** The node /api/rpc forwards to: FLUFHE_RPC_URL, else the deployment's rpcUrl, else 127.0.0.1:8545. */
export async function upstreamRpcUrl(): Promise<string> {
  const configured = process.env.FLUFHE_RPC_URL?.trim();
  if (configured) return configured;
  const state = await readDeployment();
  return (state.ok && state.rpcUrl) || "http://127.0.0.1:8545";
}
