import { execFileSync } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { WorkerPool } from "../../../client/src/fhe/workerPool";

const entry = path.join(__dirname, "fixtures", "testWorker.ts");
const pools: WorkerPool[] = [];
const open = (threads: number, init: object = {}) => {
  const pool = new WorkerPool({ entry, init, threads, name: "test worker" });
  pools.push(pool);
  return pool;
};
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

type Echo = { value: number; thread: number };

describe("WorkerPool", () => {
  it("answers every job through its own promise, on several threads at once", async () => {
    const pool = open(2);
    // Later jobs finish first: each answer still belongs to its job.
    const delays = [300, 200, 100, 0, 50, 10];
    const results = await Promise.all(
      delays.map((delayMs, value) => pool.run<Echo>({ value, delayMs }, `job ${value}`)),
    );
    expect(results.map((r) => r.value.value)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(new Set(results.map((r) => r.value.thread)).size).toBe(2);
    for (const r of results) expect(r.ms).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it("reports a job's failure with its label and keeps serving", async () => {
    const pool = open(1);
    await expect(pool.run({ value: 1, throws: "bad words" }, "chunk 4, input 2 of 3")).rejects.toThrow(
      "test worker 1 failed on chunk 4, input 2 of 3: bad words",
    );
    await expect(pool.run<Echo>({ value: 7 }, "next")).resolves.toMatchObject({ value: { value: 7 } });
  }, 60_000);

  it("stops when a worker dies, naming the job it was on, and refuses further jobs", async () => {
    const pool = open(2);
    const queued = [
      pool.run({ value: 0, crash: true }, "chunk 2, input 1 of 1"),
      pool.run({ value: 1, delayMs: 2_000 }, "chunk 3, input 1 of 1"),
      pool.run({ value: 2 }, "chunk 4, input 1 of 1"),
    ];
    await expect(queued[0]).rejects.toThrow(/test worker \d died on chunk 2, input 1 of 1 \(exited with code 3\)/);
    await expect(queued[1]).rejects.toThrow(/died on chunk 2/);
    await expect(queued[2]).rejects.toThrow(/died on chunk 2/);
    await expect(pool.run({ value: 3 }, "later")).rejects.toThrow(/died on chunk 2/);
  }, 60_000);

  it("says when a worker cannot start", async () => {
    const pool = open(1, { failInit: "no keys" });
    await expect(pool.run({ value: 0 }, "chunk 1")).rejects.toThrow("test worker 1 could not start: no keys");
  }, 60_000);

  it("rejects a thread count that is not a positive integer", () => {
    expect(() => open(0)).toThrow("test worker threads must be a positive integer, got 0");
    expect(() => open(1.5)).toThrow(/got 1.5/);
  });

  it("rejects queued jobs when closed", async () => {
    const pool = open(1);
    const job = expect(pool.run({ value: 0, delayMs: 5_000 }, "slow")).rejects.toThrow(
      "the test worker pool was closed",
    );
    await pool.close();
    await job;
  }, 60_000);
});

describe("WorkerPool and the process's life", () => {
  it("keeps the process alive while a job waits for a worker that is still starting", () => {
    // Nothing else is pending in this process: before the fix it exited 0 without an answer.
    const script = [
      `const { WorkerPool } = require(${JSON.stringify(path.join(__dirname, "../../../client/src/fhe/workerPool.ts"))});`,
      `const pool = new WorkerPool({ entry: ${JSON.stringify(entry)}, init: {}, threads: 1, name: "w" });`,
      `pool.run({ value: 42, delayMs: 200 }, "job").then((r) => { console.log("answer " + r.value.value); return pool.close(); });`,
    ].join("\n");
    const out = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
      cwd: path.join(__dirname, "../../.."),
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(out.trim()).toBe("answer 42");
  }, 60_000);
});
