import { describe, expect, it } from "vitest";
import type { EIP1193Provider, RequestArguments } from "hardhat/types";
import { NODE_MEMORY_METHOD, NodeMemoryProbe, measureNodeMemory } from "../../../scripts/lib/node-memory";

describe("the devnet node's memory probe", () => {
  it("splits this process's RSS into JS heap, external and native memory after a collection", () => {
    const memory = measureNodeMemory();
    expect(memory.rssMb).toBeGreaterThan(0);
    expect(memory.heapUsedMb).toBeLessThanOrEqual(memory.heapTotalMb);
    expect(Math.abs(memory.rssMb - memory.heapTotalMb - memory.externalMb - memory.nativeMb)).toBeLessThanOrEqual(2);
  });

  it("collects garbage before it reads the heap", () => {
    let garbage: number[][] | undefined = Array.from({ length: 200 }, () => new Array<number>(50_000).fill(1));
    const before = process.memoryUsage().heapUsed / 2 ** 20;
    expect(garbage.length).toBe(200);
    garbage = undefined;
    expect(measureNodeMemory().heapUsedMb).toBeLessThan(before - 40);
  });

  it("answers its own method and passes every other request to the node", async () => {
    const seen: string[] = [];
    const node = {
      request: async (args: RequestArguments) => {
        seen.push(args.method);
        return "0x1";
      },
    } as unknown as EIP1193Provider;
    const probe = new NodeMemoryProbe(node);
    expect(await probe.request({ method: "eth_chainId" })).toBe("0x1");
    const memory = (await probe.request({ method: NODE_MEMORY_METHOD })) as { rssMb: number };
    expect(memory.rssMb).toBeGreaterThan(0);
    expect(seen).toEqual(["eth_chainId"]);
  });
});
