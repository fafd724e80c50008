import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ModelDirectory, type ModelFile } from "../../../client/src/node/modelStore";
import { modelCommitment, type ModelSpec } from "../../../client/src/protocol/modelSpec";

const ROOT = path.resolve(__dirname, "../../..");
// Big enough (40k parameters) that writing one file takes long enough for the processes to overlap.
const spec: ModelSpec = { kind: "logreg", inputShape: [20_000], numClasses: 2, seed: 1 };
const MODELS = 40;
const weightsOf = (i: number) => Array.from({ length: 40_002 }, (_, k) => (k % 7) * i); // i >= 1: JSON has no -0

/**
 * Runs `code` (TypeScript, from the repository root) in a separate Node process, starting it at
 * `startAt` (ms since the epoch): processes that load at different speeds still write at once.
 */
function runProcess(code: string, startAt: number): Promise<{ code: number; stderr: string }> {
  const barrier = `while (Date.now() < ${startAt}) {}\n`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", barrier + code], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (c) => resolve({ code: c ?? 1, stderr }));
  });
}

describe("files several participant processes write at once", () => {
  it("the model store: every process saves the same models in the same order, none fails, every file is whole", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "models-race-"));
    const writer = `
      const { ModelDirectory } = require("./client/src/node/modelStore");
      const { modelCommitment } = require("./client/src/protocol/modelSpec");
      const spec = ${JSON.stringify(spec)};
      const store = new ModelDirectory(${JSON.stringify(dir)});
      for (let i = 1; i <= ${MODELS}; i++) {
        const weights = Array.from({ length: 40002 }, (_, k) => (k % 7) * i);
        store.save({ spec, commitment: modelCommitment(spec, Float32Array.from(weights)), weights });
      }`;
    const startAt = Date.now() + 4000;
    const results = await Promise.all(Array.from({ length: 4 }, () => runProcess(writer, startAt)));
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });
    const files = readdirSync(dir);
    expect(files.filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(files).toHaveLength(MODELS);
    const store = new ModelDirectory(dir);
    for (let i = 1; i <= MODELS; i++) {
      const commitment = modelCommitment(spec, Float32Array.from(weightsOf(i)));
      expect(((await store.fetch(commitment)) as ModelFile | undefined)?.weights).toEqual(weightsOf(i));
    }
  }, 60_000);

  it("a state file rewritten by several processes at once is always one whole write", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "state-race-"));
    const file = path.join(dir, "state.json");
    const writer = (id: number) => `
      const { writeFileAtomic } = require("./client/src/node/atomicFile");
      for (let i = 0; i < 300; i++) writeFileAtomic(${JSON.stringify(file)}, JSON.stringify({ id: ${id}, i, pad: "x".repeat(20000) }));`;
    const startAt = Date.now() + 4000;
    const results = await Promise.all([0, 1, 2, 3].map((id) => runProcess(writer(id), startAt)));
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });
    const last = JSON.parse(readFileSync(file, "utf8")) as { id: number; i: number };
    expect(last.i).toBe(299);
    expect(readdirSync(dir)).toEqual(["state.json"]);
  }, 60_000);
});
