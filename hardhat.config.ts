// Before the fhEVM plugin, so the plugin's own reads pass the devnet node's request limit too.
import { registerAbovePlugin } from "./scripts/lib/devnet-node";
import "@fhevm/hardhat-plugin";
import "@nomicfoundation/hardhat-chai-matchers";
import "@nomicfoundation/hardhat-ethers";
import "@typechain/hardhat";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import path from "node:path";
import "./scripts/tasks/deploy";
import "./scripts/tasks/tasks";
import "./scripts/tasks/rounds";
import "./scripts/tasks/submit";
import "./scripts/tasks/decrypt";

/** Must equal the exact version of the `solc` npm package in package.json. */
const SOLC_VERSION = "0.8.27";

// Hardhat's compiler download is unreachable on our machines: compile with the pinned solcjs
// (wasm) from npm instead, so builds are offline and reproducible.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string };
  return {
    compilerPath: path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version(),
  };
});

const env = (name: string): string | undefined => process.env[name]?.trim() || undefined;

/** Accounts for a live network: a private key or a mnemonic from the environment, never from git. */
function liveAccounts(): string[] | { mnemonic: string } {
  const key = env("FLUFHE_PRIVATE_KEY");
  if (key) return [key];
  const mnemonic = env("FLUFHE_MNEMONIC");
  return mnemonic ? { mnemonic } : [];
}

/**
 * Mining of the devnet node (issue 10). An automined Hardhat node grows without bound under FHE
 * transactions (issue 10's analysis): every automined transaction hands a full opcode trace (a 64-word submitChunk is
 * 700k-850k EVM steps) from a worker thread of the Rust backend to JS, and what the backend's
 * allocator keeps grows with the worker threads that ever ran one: 20 GB and a kernel kill in round 3
 * of the MNIST demo (docs/cost-and-benchmarks.md, Memory). Mined on an interval, the node's working memory is bounded by the largest
 * block instead of the history (its cache of past block states is bounded too: DEVNET_CACHED_STATES in
 * scripts/lib/devnet.ts), so the block gas limit is kept near mainnet's 30M: about four
 * 64-word chunk transactions (9.0M gas limit, 6.6M used each) or one transaction at the 16,777,216
 * cap per block.
 * Measured in issue 10: 30M held 2.2-2.5 GB through 174 submissions where 300M blocks reached 4.6-5.9 GB.
 * - FLUFHE_MINING_INTERVAL_MS: mine a block every so many ms (scripts/lib/devnet.ts sets it;
 *   unset, the node automines).
 * - FLUFHE_BLOCK_GAS_LIMIT: the block gas limit while mining on an interval (default 30M).
 * Sub-second intervals keep block timestamps on the wall clock (several blocks may share a second)
 * instead of running the chain's clock ahead by one second per block.
 */
function devnetMining(): { mining?: object; blockGasLimit?: number; allowBlocksWithSameTimestamp?: boolean } {
  const interval = Number(env("FLUFHE_MINING_INTERVAL_MS") ?? 0);
  if (!(interval > 0)) return {};
  return {
    mining: { auto: false, interval },
    blockGasLimit: Number(env("FLUFHE_BLOCK_GAS_LIMIT") ?? 30_000_000),
    allowBlocksWithSameTimestamp: interval < 1000,
  };
}

// The devnet node (FLUFHE_NODE_MAX_REQUESTS, set by scripts/lib/devnet.ts) takes a bounded number of
// requests at once and one fhEVM decryption at a time: bursts grow its memory (scripts/lib/node-requests.ts).
registerAbovePlugin();

const config: HardhatUserConfig = {
  defaultNetwork: "hardhat",
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 800 },
      evmVersion: "cancun",
      metadata: { bytecodeHash: "none" },
    },
  },
  networks: {
    // In-process (`hardhat test`, `hardhat run`): automine, every transaction in its own block.
    // The devnet (`hardhat node` started by scripts/lib/devnet.ts) mines on an interval: devnetMining().
    hardhat: { chainId: 31337, ...devnetMining() },
    localhost: { url: env("FLUFHE_RPC_URL") ?? "http://127.0.0.1:8545", chainId: 31337 },
    sepolia: {
      url: env("SEPOLIA_RPC_URL") ?? "https://ethereum-sepolia-rpc.publicnode.com",
      chainId: 11155111,
      accounts: liveAccounts(),
    },
    mainnet: {
      url: env("MAINNET_RPC_URL") ?? "https://ethereum-rpc.publicnode.com",
      chainId: 1,
      accounts: liveAccounts(),
    },
  },
  paths: {
    sources: "./contracts",
    tests: "./test/contracts",
    cache: "./cache",
    artifacts: "./artifacts",
  },
  typechain: { outDir: "types", target: "ethers-v6" },
  mocha: { timeout: 600_000 },
};

export default config;
