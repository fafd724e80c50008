/**
 * Installs the devnet node's request limits (scripts/lib/node-requests.ts says why) when
 * FLUFHE_NODE_MAX_REQUESTS is set (scripts/lib/devnet.ts sets it for `hardhat node`; in-process tests
 * and other networks are untouched). Importing this module registers ExecutionLimit: hardhat.config.ts
 * imports it before "@fhevm/hardhat-plugin", so the plugin wraps it and its own reads are limited too;
 * registerDecryptionLine() runs after the plugin's import, so DecryptionLine wraps the plugin.
 */
import { extendProvider } from "hardhat/config";
import { DecryptionLine, ExecutionLimit } from "./node-requests";

/** FLUFHE_NODE_MAX_REQUESTS of the devnet node (0 or unset: no limits, e.g. in-process tests). */
function maxRequests(network: string): number {
  const max = Number(process.env.FLUFHE_NODE_MAX_REQUESTS?.trim() || 0);
  return network === "hardhat" && Number.isInteger(max) && max > 0 ? max : 0;
}

extendProvider(async (provider, _config, network) => {
  const max = maxRequests(network);
  return max ? new ExecutionLimit(provider, max) : provider;
});

/** Registers DecryptionLine: call after importing "@fhevm/hardhat-plugin", so it wraps the plugin. */
export function registerDecryptionLine(): void {
  extendProvider(async (provider, _config, network) =>
    maxRequests(network) ? new DecryptionLine(provider) : provider,
  );
}
