/**
 * `npm run devnet`: a Hardhat node with the fhEVM mock on 127.0.0.1:8545 (FLUFHE_DEVNET_PORT to
 * change it), the aggregator deployed, deployments/localhost.json written for the CLI, the
 * Hardhat tasks and the web app, and the funded test accounts printed. Stays up until Ctrl-C.
 * Mines a block every 100 ms with a 30M block gas limit, so the node's memory stays bounded by the
 * largest block (hardhat.config.ts says why); `--mining-interval-ms <ms>` changes the interval,
 * `--automine` mines one block per transaction (memory then grows with every FHE transaction).
 */
import { parseArgs } from "node:util";
import { HDNodeWallet, Mnemonic } from "ethers";
import { deployAggregator } from "../client/src/chain/owner";
import { writeDeployment } from "../client/src/chain/deployment";
import { connectProvider } from "../client/src/chain/rpc";
import { DEVNET_MINING, describeMining, startDevnet, type DevnetMining } from "./lib/devnet";
import { rssMb } from "./lib/memory";

/** Hardhat's default test mnemonic: its accounts are what the node funds. Never use on a real network. */
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: { automine: { type: "boolean", default: false }, "mining-interval-ms": { type: "string" } },
  });
  const intervalMs = Number(args["mining-interval-ms"] ?? DEVNET_MINING.intervalMs);
  const mining: DevnetMining = args.automine ? "auto" : { intervalMs };
  const port = Number(process.env.FLUFHE_DEVNET_PORT ?? 8545);
  const devnet = await startDevnet({ port, mining });
  const { provider, chainId } = await connectProvider(devnet.url);
  const { aggregator, blockNumber } = await deployAggregator(await provider.getSigner(0));
  const file = writeDeployment({
    network: "localhost",
    chainId,
    aggregator: await aggregator.getAddress(),
    blockNumber,
    rpcUrl: devnet.url,
  });
  const nodeAccounts = (await provider.send("eth_accounts", [])) as string[];
  const mnemonic = Mnemonic.fromPhrase(HARDHAT_MNEMONIC);
  console.log(`fhEVM devnet (mock mode) on ${devnet.url}, chain ${chainId}, node pid ${devnet.pid}`);
  console.log(`mining: ${describeMining(mining)}; node RSS ${rssMb(devnet.pid) ?? "?"} MB`);
  console.log(`FLuFHEAggregator ${await aggregator.getAddress()} (block ${blockNumber}), recorded in ${file}`);
  console.log("Funded test accounts (10000 ETH each; public test keys, never use them elsewhere):");
  for (let i = 0; i < 10; i++) {
    const wallet = HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`);
    const known = nodeAccounts[i]?.toLowerCase() === wallet.address.toLowerCase();
    console.log(`  #${i} ${wallet.address}  ${known ? wallet.privateKey : "(key not from the default mnemonic)"}`);
  }
  console.log("Press Ctrl-C to stop (the chain lives in memory: a restart starts from scratch).");
  provider.destroy();
  const stop = async () => {
    await devnet.stop();
    process.exit(0);
  };
  process.removeAllListeners("SIGINT");
  process.removeAllListeners("SIGTERM");
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stop());
  await new Promise(() => {}); // until a signal arrives
}

main().catch((error: unknown) => {
  console.error(`devnet failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
