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
    hardhat: {
      chainId: 31337,
      ...(env("FLUFHE_MINING_INTERVAL_MS")
        ? { mining: { auto: false, interval: Number(env("FLUFHE_MINING_INTERVAL_MS")) }, blockGasLimit: 300_000_000 }
        : {}),
    },
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
