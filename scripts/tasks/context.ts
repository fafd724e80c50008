import type { HardhatRuntimeEnvironment, HttpNetworkAccountsConfig } from "hardhat/types";
import type { Signer, JsonRpcProvider } from "ethers";
import type { FhevmConnection } from "../../client/src/fhe/instance";
import type { Network } from "../../client/src/chain/network";
import type { FLuFHEAggregator } from "../../types";
import { checkArguments } from "./argTypes";

/** What every fl: task works with: the network, a signer, the fhEVM connection and the aggregator. */
export interface FlContext {
  url: string;
  network: string;
  provider: JsonRpcProvider;
  signer: Signer;
  fhevm: FhevmConnection;
  /** Sent to Zama's relayer (ZAMA_FHEVM_API_KEY), also by encryption worker threads. */
  apiKey?: string;
  aggregator: FLuFHEAggregator;
  deploymentBlock: number;
  json: boolean;
  print: (text: string, data?: unknown) => void;
}

/** The JSON-RPC URL of the selected network; the in-process network has none. */
export function networkUrl(hre: HardhatRuntimeEnvironment): string {
  const config = hre.network.config as { url?: string };
  if (!config.url) {
    throw new Error(`fl: tasks talk to a node: add --network localhost (after npm run devnet), sepolia or mainnet`);
  }
  return config.url;
}

/**
 * The signer of `--account`, or by default the first account of the network: the node's own account
 * 0 on a devnet, else the Hardhat config's accounts (FLUFHE_PRIVATE_KEY or FLUFHE_MNEMONIC, see
 * hardhat.config.ts), as the Zama template takes its signers from the config. On a live network a
 * bare index picks that account of the config's mnemonic.
 */
async function networkSigner(hre: HardhatRuntimeEnvironment, provider: JsonRpcProvider, account?: string) {
  const { resolveSigner } = await import("../../client/src/chain/account");
  const accounts = (hre.network.config as { accounts?: HttpNetworkAccountsConfig }).accounts;
  const configured = accounts !== undefined && accounts !== "remote" && !(Array.isArray(accounts) && !accounts.length);
  if (account !== undefined && !(configured && /^\d+$/.test(account))) return resolveSigner(provider, account);
  if (!configured) {
    if (hre.network.name === "localhost") return resolveSigner(provider, "0");
    throw new Error(`set FLUFHE_PRIVATE_KEY or FLUFHE_MNEMONIC (or pass --account) to sign on ${hre.network.name}`);
  }
  const { HDNodeWallet, Wallet } = await import("ethers");
  const index = Number(account ?? 0);
  if (Array.isArray(accounts)) {
    const key = accounts[index];
    if (!key)
      throw new Error(
        `the config of ${hre.network.name} has ${accounts.length} account(s); --account ${index} is not one`,
      );
    return new Wallet(typeof key === "string" ? key : String(key), provider);
  }
  const hd = accounts as { mnemonic: string; path?: string; initialIndex?: number; passphrase?: string };
  const path = `${hd.path ?? "m/44'/60'/0'/0"}/${(hd.initialIndex ?? 0) + index}`;
  return HDNodeWallet.fromPhrase(hd.mnemonic, hd.passphrase ?? "", path).connect(provider);
}

export async function flContext(
  hre: HardhatRuntimeEnvironment,
  options: { account?: string; json?: boolean; needsDeployment?: boolean } = {},
): Promise<FlContext> {
  // Lazy imports: hardhat.config.ts loads this file before the contracts (and their types) exist.
  const { openNetwork } = await import("../../client/src/chain/network");
  const { readDeployment } = await import("../../client/src/chain/deployment");
  const { withRetry } = await import("../../client/src/chain/retry");
  const { connectAggregator } = await import("../../client/src/chain/aggregator");
  const url = networkUrl(hre);
  const network = hre.network.name;
  const deployment = options.needsDeployment === false ? undefined : readDeployment(network);
  const node = await withRetry(`connecting to ${url}`, () => openNetwork(url), { attempts: 3 });
  openNetworks.add(node);
  const signer = await networkSigner(hre, node.provider, options.account);
  const json = options.json ?? false;
  return {
    url,
    network,
    provider: node.provider,
    signer,
    fhevm: node.fhevm,
    apiKey: node.apiKey,
    aggregator: deployment
      ? await connectAggregator(deployment.aggregator, signer, `deployments/${network}.json`)
      : (undefined as unknown as FLuFHEAggregator),
    deploymentBlock: deployment?.blockNumber ?? 0,
    json,
    print: (text, data) => console.log(json ? JSON.stringify(data ?? { message: text }) : text),
  };
}

/** Networks opened by flContext during the running task; guarded() closes them, error or not. */
const openNetworks = new Set<Network>();

/**
 * Wraps a task action: a failure prints the decoded revert and what to do, and exits non-zero;
 * either way the task's RPC connections are closed.
 */
export function guarded<A>(action: (args: A, hre: HardhatRuntimeEnvironment) => Promise<void>) {
  return async (args: A, hre: HardhatRuntimeEnvironment) => {
    try {
      checkArguments(args);
      await action(args, hre);
    } catch (error) {
      const { explainError } = await import("../../client/src/chain/errors");
      console.error(`error: ${explainError(error)}`);
      process.exitCode = 1;
    } finally {
      for (const network of openNetworks) network.close();
      openNetworks.clear();
    }
  };
}
