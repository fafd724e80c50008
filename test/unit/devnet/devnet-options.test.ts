import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEVNET_MINING,
  DEVNET_CACHED_STATES,
  EDR_CACHED_STATES_VAR,
  describeMining,
  miningEnv,
} from "../../../scripts/lib/devnet";

const ROOT = path.resolve(__dirname, "..", "..", "..");

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

describe("the devnet's state cache setting", () => {
  // A value EDR cannot parse makes it refuse to start: proof that the installed EDR reads the variable
  // (it is internal to EDR and could vanish in an upgrade, silently letting the node grow again).
  const startHardhatNetwork = (maxCachedStates: string) =>
    spawnSync(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        "-e",
        'require("hardhat").network.provider.request({ method: "eth_chainId" })' +
          ".then(() => console.log('started'), (e) => console.log(e.message))",
      ],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, [EDR_CACHED_STATES_VAR]: maxCachedStates } },
    ).stdout;

  it("is read by the installed EDR when the node starts", { timeout: 60_000 }, () => {
    expect(startHardhatNetwork(String(DEVNET_CACHED_STATES))).toContain("started");
    expect(startHardhatNetwork("not-a-number")).toMatch(/max cached states/i);
  });
});
