/**
 * `flufhe_nodeMemory`: the devnet node's memory split into its JS heap and the rest (mostly the native
 * memory of Hardhat's Rust backend, EDR), answered inside the node. The node's RSS alone mixes both, and
 * the JS heap swings by ~600 MB within a round (issue 10), so a soak cannot tell growth from noise
 * without it. Installed by scripts/lib/devnet-node.ts on the devnet node only.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ProviderWrapper } from "hardhat/plugins";
import type { RequestArguments } from "hardhat/types";
import { rpcCall } from "../../client/src/chain/rpc";

export const NODE_MEMORY_METHOD = "flufhe_nodeMemory";

/** MB figures of the node process (process.memoryUsage()), read after a full garbage collection. */
export interface NodeMemory {
  rssMb: number;
  /** V8's committed heap. */
  heapTotalMb: number;
  /** Live JS objects after the collection. */
  heapUsedMb: number;
  /** Memory of Buffers and ArrayBuffers owned by JS objects. */
  externalMb: number;
  /** rss - heapTotal - external: the backend's native memory, code and stacks. */
  nativeMb: number;
}

/** A full collection: `gc` is exposed to a fresh context only, so the node needs no --expose-gc flag. */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/** The node's memory now, after a full collection. */
export function measureNodeMemory(): NodeMemory {
  collectGarbage();
  const { rss, heapTotal, heapUsed, external } = process.memoryUsage();
  return {
    rssMb: mb(rss),
    heapTotalMb: mb(heapTotal),
    heapUsedMb: mb(heapUsed),
    externalMb: mb(external),
    nativeMb: mb(rss - heapTotal - external),
  };
}

/** Answers NODE_MEMORY_METHOD; every other request passes. */
export class NodeMemoryProbe extends ProviderWrapper {
  public request(args: RequestArguments): Promise<unknown> {
    if (args.method === NODE_MEMORY_METHOD) return Promise.resolve(measureNodeMemory());
    return this._wrappedProvider.request(args);
  }
}

/** Asks a devnet node for its memory (a node without the probe answers "method not supported"). */
export function readNodeMemory(url: string): Promise<NodeMemory> {
  return rpcCall<NodeMemory>(url, NODE_MEMORY_METHOD);
}
