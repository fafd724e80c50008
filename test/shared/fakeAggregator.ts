/**
 * Pieces of an ethers aggregator contract for tests that fake one: the generic method access
 * (`getFunction`) that client/src/chain/transact uses, and a reader that answers a task's identity.
 */
import type { FLuFHEAggregator } from "../../types/contracts/FLuFHEAggregator";

type Methods = Record<string, unknown>;

/** Adds `getFunction(name)` to a fake whose methods are plain async functions (a replay "succeeds"). */
export function withGetFunction<T extends Methods>(fake: T): T & { getFunction(name: string): unknown } {
  return Object.assign(fake, {
    getFunction: (name: string) => ({
      send: (...args: unknown[]) => (fake[name] as (...a: unknown[]) => Promise<unknown>)(...args),
      staticCall: async () => undefined,
    }),
  });
}

/** A read-only aggregator holding one task, created in block 5 of chain 31337. */
export function identityReader(address: string, modelHash: string, blockHash = "0x" + "ee".repeat(32)) {
  return {
    runner: {
      provider: {
        getNetwork: async () => ({ chainId: 31337n }),
        getBlock: async () => ({ hash: blockHash }),
      },
    },
    getAddress: async () => address,
    getTask: async () => ({ config: { modelHash }, createdBlock: 5n }),
  } as unknown as FLuFHEAggregator;
}
