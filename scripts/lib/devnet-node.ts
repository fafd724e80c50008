/**
 * Installs the devnet node's request limits (scripts/lib/node-requests.ts says why) when
 * FLUFHE_NODE_MAX_REQUESTS is set (scripts/lib/devnet.ts sets it for `hardhat node`; in-process tests
 * and other networks are untouched). Importing this module registers ExecutionLimit: hardhat.config.ts
 * imports it before "@fhevm/hardhat-plugin", so the plugin wraps it and its own reads are limited too;
 * registerAbovePlugin() runs after the plugin's import, so DecryptionLine wraps the plugin, and the memory
 * probe (scripts/lib/node-memory.ts) answers before any line.
 */
import { extendProvider } from "hardhat/config";
import { NodeMemoryProbe } from "./node-memory";
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

/** Registers DecryptionLine and the memory probe: call after importing "@fhevm/hardhat-plugin". */
export function registerAbovePlugin(): void {
  extendProvider(async (provider, _config, network) =>
    maxRequests(network) ? new NodeMemoryProbe(new DecryptionLine(provider)) : provider,
  );
}
