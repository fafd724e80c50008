import { task } from "hardhat/config";
import { flContext, guarded } from "./context";

task("fl:deploy", "Deploy the FLuFHE aggregator and record it in deployments/<network>.json")
  .addOptionalParam("account", "deployer: 0x key, keystore file or devnet account index")
  .addFlag("json", "print JSON")
  .setAction(
    guarded(async (args: { account?: string; json: boolean }, hre) => {
      const ctx = await flContext(hre, { ...args, needsDeployment: false });
      const { deployAggregator } = await import("../../client/src/chain/owner");
      const { writeDeployment } = await import("../../client/src/chain/deployment");
      const { aggregator, blockNumber } = await deployAggregator(ctx.signer);
      const deployment = {
        network: ctx.network,
        chainId: ctx.fhevm.chainId,
        aggregator: await aggregator.getAddress(),
        blockNumber,
        rpcUrl: ctx.url,
      };
      const file = writeDeployment(deployment);
      ctx.print(
        `FLuFHEAggregator deployed at ${deployment.aggregator} (block ${blockNumber}); wrote ${file}`,
        deployment,
      );
    }),
  );
