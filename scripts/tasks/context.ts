import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer, JsonRpcProvider } from "ethers";
import type { FhevmConnection } from "../../client/src/fhe/local";
import type { FLuFHEAggregator } from "../../types";

/** What every fl: task works with: the network, a signer, the fhEVM connection and the aggregator. */
export interface FlContext {
  url: string;
  network: string;
  provider: JsonRpcProvider;
  signer: Signer;
  fhevm: FhevmConnection;
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

/** Default signer: devnet account 0 locally, FLUFHE_PRIVATE_KEY / FLUFHE_MNEMONIC on live networks. */
function defaultAccount(network: string): string {
  if (network === "localhost") return "0";
  const key = process.env.FLUFHE_PRIVATE_KEY?.trim();
  if (key) return key;
  throw new Error(`set FLUFHE_PRIVATE_KEY (or pass --account) to sign on ${network}`);
}

export async function flContext(
  hre: HardhatRuntimeEnvironment,
  options: { account?: string; json?: boolean; needsDeployment?: boolean } = {},
): Promise<FlContext> {
  // Lazy imports: hardhat.config.ts loads this file before the contracts (and their types) exist.
  const { connectProvider } = await import("../../client/src/chain/rpc");
  const { resolveSigner } = await import("../../client/src/chain/account");
  const { readDeployment } = await import("../../client/src/chain/deployment");
  const { connectFhevm } = await import("../../client/src/fhe/connect");
  const { withRetry } = await import("../../client/src/chain/retry");
  const { FLuFHEAggregator__factory } = await import("../../types");
  const url = networkUrl(hre);
  const network = hre.network.name;
  const { provider } = await withRetry(`connecting to ${url}`, () => connectProvider(url), { attempts: 3 });
  openProviders.add(provider);
  const signer = await resolveSigner(provider, options.account ?? defaultAccount(network));
  const fhevm = await connectFhevm(url);
  const deployment = options.needsDeployment === false ? undefined : readDeployment(network);
  const json = options.json ?? false;
  return {
    url,
    network,
    provider,
    signer,
    fhevm,
    aggregator: FLuFHEAggregator__factory.connect(deployment?.aggregator ?? "0x" + "0".repeat(40), signer),
    deploymentBlock: deployment?.blockNumber ?? 0,
    json,
    print: (text, data) => console.log(json ? JSON.stringify(data ?? { message: text }) : text),
  };
}

/** Providers opened by flContext during the running task; guarded() closes them, error or not. */
const openProviders = new Set<JsonRpcProvider>();

/**
 * Wraps a task action: a failure prints the decoded revert and what to do, and exits non-zero;
 * either way the task's RPC connections are closed.
 */
export function guarded<A>(action: (args: A, hre: HardhatRuntimeEnvironment) => Promise<void>) {
  return async (args: A, hre: HardhatRuntimeEnvironment) => {
    try {
      await action(args, hre);
    } catch (error) {
      const { explainError } = await import("../../client/src/chain/errors");
      console.error(`error: ${explainError(error)}`);
      process.exitCode = 1;
    } finally {
      for (const provider of openProviders) provider.destroy();
      openProviders.clear();
    }
  };
}
