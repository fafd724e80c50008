import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, runNode } from "./helpers";

const NODE_ARGS = [
  "node",
  "--task",
  "1",
  "--account",
  "1",
  "--aggregator",
  "0x5FbDB2315678afecb367f032d93F642f64180aa3",
];

describe("flufhe node: clear errors", () => {
  it("rejects a malformed CSV before touching the network", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "flufhe-csv-"));
    const file = path.join(dir, "bad.csv");
    writeFileSync(file, "a,b,label\n1,2,0\n3,oops,1\n");
    const { code, stderr } = await runCli([
      ...NODE_ARGS,
      "--data",
      file,
      "--label-column",
      "label",
      "--rpc",
      "http://127.0.0.1:9",
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/bad\.csv:3: column "b"/);
    expect(stderr).toMatch(/oops/);
    expect(stderr).not.toMatch(/unreachable/);
  });

  it("retries an unreachable RPC endpoint, then says so", async () => {
    const { code, stderr } = await runCli([
      ...NODE_ARGS,
      "--data",
      "breast-cancer",
      "--rpc",
      "http://127.0.0.1:9",
      "--retries",
      "2",
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/retrying \(1\)/);
    expect(stderr).toMatch(/unreachable after 2 attempts.*npm run devnet/);
  });

  it("rejects bad flags with the flag's name", async () => {
    const { code, stderr } = await runCli([...NODE_ARGS, "--data", "breast-cancer", "--partition", "zigzag"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/--partition must be one of iid, dirichlet, shards, label/);
  });
});

describe("bench:learning: flags checked before any training", () => {
  const bench = (args: string[]) =>
    runNode(["-r", "ts-node/register/transpile-only", "scripts/bench-learning.ts", "--model", "lenet", ...args]);
  const SAVED = ["--baselines-from", "bench/baselines/lenet-mnist-seed1.jsonl"];

  it("refuses a devnet round it could not run, naming what to do", async () => {
    const unknown = await bench(["--chain-config", "lowrank:9-4b-c0.18"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/--chain-config lowrank:9-4b-c0\.18 is not one of quant-8b, stochastic-3b-c0\.12/);
    for (const args of [
      ["--chain-config", "quant-8b"],
      ["--configs", ""],
    ]) {
      const fromFile = await bench([...SAVED, ...args]);
      expect(fromFile.code).toBe(1);
      expect(fromFile.stderr).toMatch(/cannot go through the devnet: .* or add --no-chain/);
      expect(fromFile.stderr).not.toMatch(/reference|plaintext FedAvg/);
    }
  });
});
