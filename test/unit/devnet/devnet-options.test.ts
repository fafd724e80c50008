import { describe, expect, it } from "vitest";
import { DEVNET_MINING, describeMining, miningEnv } from "../../../scripts/lib/devnet";

describe("devnet mining options", () => {
  it("mine on an interval by default, with the block gas limit left to hardhat.config.ts (30M)", () => {
    expect(miningEnv()).toEqual({ FLUFHE_MINING_INTERVAL_MS: String(DEVNET_MINING.intervalMs) });
    expect(describeMining()).toBe(`a block every ${DEVNET_MINING.intervalMs} ms, 30M gas`);
    expect(miningEnv({ intervalMs: 1000, blockGasLimit: 60_000_000 })).toEqual({
      FLUFHE_MINING_INTERVAL_MS: "1000",
      FLUFHE_BLOCK_GAS_LIMIT: "60000000",
    });
  });

  it("automine sets nothing (hardhat.config.ts then automines)", () => {
    expect(miningEnv("auto")).toEqual({});
    expect(describeMining("auto")).toBe("automine");
  });

  it("refuses an interval that is not a positive whole number of ms", () => {
    for (const intervalMs of [0, -5, 1.5, NaN]) expect(() => miningEnv({ intervalMs })).toThrow(/positive/);
  });
});
