import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { TaskIdentity } from "../../../client/src/chain/taskIdentity";
import { StateStore, defaultStatePath } from "../../../client/src/node/state";

const ACCOUNT = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
const TASK: TaskIdentity = {
  chainId: "31337",
  aggregator: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
  taskId: "1",
  modelHash: "0x" + "11".repeat(32),
  createdBlock: 5,
  createdBlockHash: "0x" + "ab".repeat(32),
};

function store() {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "state-")), "task-1.json");
  const warnings: string[] = [];
  return { file, warnings, store: new StateStore(file, (m) => warnings.push(m)) };
}

describe("participant state file", () => {
  it("resumes the same task's state, the feedback residual included", () => {
    const { file, store: s, warnings } = store();
    s.save({ task: TASK, account: ACCOUNT, updates: { 1: [["0x01"]] }, feedback: { round: 1, residual: "AAAA" } });
    const loaded = s.load({ task: { ...TASK, aggregator: TASK.aggregator.toUpperCase() }, account: ACCOUNT });
    expect(loaded.updates).toEqual({ 1: [["0x01"]] });
    expect(loaded.feedback).toEqual({ round: 1, residual: "AAAA" });
    expect(warnings).toEqual([]);
    expect(readdirSync(path.dirname(file))).toEqual(["task-1.json"]);
  });

  it("sets another task's file aside (renamed, never deleted, never reused) and says what happened", () => {
    const { file, store: s, warnings } = store();
    s.save({ task: TASK, account: ACCOUNT, updates: { 1: [["0x01"]] } });
    const before = readFileSync(file, "utf8");
    const restarted = { ...TASK, createdBlockHash: "0x" + "cd".repeat(32) };
    expect(s.load({ task: restarted, account: ACCOUNT }).updates).toEqual({});
    const aside = path.join(path.dirname(file), "task-1.chain31337-block5-abababab.json");
    expect(readFileSync(aside, "utf8")).toBe(before);
    expect(existsSync(file)).toBe(false);
    expect(warnings).toEqual([
      expect.stringMatching(/not used: .*differ in createdBlockHash.*kept as .*abababab\.json/),
    ]);
    // A second stale file of the same task gets its own name.
    s.save({ task: TASK, account: ACCOUNT, updates: {} });
    s.load({ task: restarted, account: ACCOUNT });
    expect(existsSync(aside.replace(".json", "-1.json"))).toBe(true);
  });

  it("sets aside a file written before states were bound to their task", () => {
    const { file, store: s, warnings } = store();
    writeFileSync(file, JSON.stringify({ aggregator: TASK.aggregator, taskId: "1", account: ACCOUNT, updates: {} }));
    expect(s.load({ task: TASK, account: ACCOUNT }).task).toEqual(TASK);
    expect(warnings[0]).toMatch(/written by an older version/);
    expect(readdirSync(path.dirname(file))).toEqual([expect.stringMatching(/^task-1\.unbound-.*\.json$/)]);
  });

  it("refuses another account's file and a damaged file, and leaves both where they are", () => {
    const { file, store: s } = store();
    s.save({ task: TASK, account: "0x" + "99".repeat(20), updates: {} });
    expect(() => s.load({ task: TASK, account: ACCOUNT })).toThrow(
      /belongs to account 0x9999.*Pass this account's --state/,
    );
    writeFileSync(file, "{ half");
    expect(() => s.load({ task: TASK, account: ACCOUNT })).toThrow(/is not valid JSON/);
    expect(readFileSync(file, "utf8")).toBe("{ half");
  });

  it("keeps one default path per task and account", () => {
    expect(defaultStatePath(3n, "0xABC")).toBe(path.join(".flufhe", "task-3-0xabc.json"));
  });
});
