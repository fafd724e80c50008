import { defineChain, type Chain } from "viem";
import { createConfig, http, injected, type Config } from "wagmi";

const KNOWN: Record<number, { name: string; explorer?: string }> = {
  31337: { name: "FLuFHE devnet (Hardhat)" },
  11155111: { name: "Sepolia", explorer: "https://sepolia.etherscan.io" },
  1: { name: "Ethereum", explorer: "https://etherscan.io" },
};

/** The chain the aggregator is deployed on, with the app's RPC URL (offered to wallets that lack it). */
export function appChain(chainId: number, rpcUrl: string): Chain {
  const known = KNOWN[chainId];
  return defineChain({
    id: chainId,
    name: known?.name ?? `Chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
    ...(known?.explorer ? { blockExplorers: { default: { name: "Explorer", url: known.explorer } } } : {}),
    testnet: chainId !== 1,
  });
}

/**
 * wagmi for the wallet only (connection, account, chain switching): injected wallets through
 * window.ethereum and every wallet announcing itself by EIP-6963. Reads go through ethers.
 */
export function walletConfig(chain: Chain): Config {
  return createConfig({
    chains: [chain],
    connectors: [injected({ shimDisconnect: true })],
    multiInjectedProviderDiscovery: true,
    transports: { [chain.id]: http(chain.rpcUrls.default.http[0]) },
    ssr: true,
  });
}
