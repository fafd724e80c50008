/**
 * The chain side every browser e2e starts from: the aggregator deployed from the devnet's account 0 and
 * the deployment file `next start` reads (what `npm run devnet` writes to deployments/localhost.json).
 */
import path from "node:path";
import type { JsonRpcProvider } from "ethers";
import { writeDeployment } from "../../../client/src/chain/deployment";
import { deployAggregator } from "../../../client/src/chain/owner";
import type { Devnet } from "../../../scripts/lib/devnet";
import { CHAIN_ID } from "./harness";

export interface AppDeployment {
  /** The aggregator's address. */
  address: string;
  /** The folder holding localhost.json, for FLUFHE_DEPLOYMENTS_DIR. */
  deploymentsDir: string;
}

/** Deploys the aggregator from account 0 and writes `<dir>/deployments/localhost.json` for the app. */
export async function deployForApp(devnet: Devnet, provider: JsonRpcProvider, dir: string): Promise<AppDeployment> {
  const deployed = await deployAggregator(await provider.getSigner(0));
  const address = await deployed.aggregator.getAddress();
  const deploymentsDir = path.join(dir, "deployments");
  writeDeployment(
    {
      network: "localhost",
      chainId: CHAIN_ID,
      aggregator: address,
      blockNumber: deployed.blockNumber,
      rpcUrl: devnet.url,
    },
    deploymentsDir,
  );
  return { address, deploymentsDir };
}
