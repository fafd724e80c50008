import { existsSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LEDGER_DIR_ENV, PrivacyLedgerDirectory, defaultLedgerDir } from "../../../client/src/node/privacyLedgerFile";
import { PrivacyLedger, type DatasetAccount } from "../../../client/src/privacy/ledger";

const A = "0x" + "a1".repeat(32);
const B = "0x" + "b2".repeat(32);
const account = (fingerprint: string, label: string): DatasetAccount => ({
  fingerprint,
  label,
  budget: { epsilon: 8, delta: 1e-5 },
  charges: [
    {
      task: "chain 31337 · 0x5FbD… · task 3",
      round: 2,
      mechanism: { samplingRate: 0.01, noiseMultiplier: 1.1, steps: 100 },
      at: "2025-01-01T00:00:00.000Z",
    },
  ],
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tempDir = () => mkdtempSync(path.join(tmpdir(), "ledger-"));

describe("privacy ledger files", () => {
  it("defaults to ~/.flufhe/privacy, or to $FLUFHE_PRIVACY_LEDGER when set", () => {
    const saved = process.env[LEDGER_DIR_ENV];
    try {
      delete process.env[LEDGER_DIR_ENV];
      expect(defaultLedgerDir()).toBe(path.join(homedir(), ".flufhe", "privacy"));
      process.env[LEDGER_DIR_ENV] = "/tmp/elsewhere";
      expect(defaultLedgerDir()).toBe("/tmp/elsewhere");
    } finally {
      if (saved === undefined) delete process.env[LEDGER_DIR_ENV];
      else process.env[LEDGER_DIR_ENV] = saved;
    }
  });

  it("round-trips accounts, one <fingerprint>.json each, and lists them", async () => {
    const dir = path.join(tempDir(), "not-yet-there");
    const store = new PrivacyLedgerDirectory(dir);
    expect(await store.list()).toEqual([]);
    expect(await store.load(A)).toBeUndefined();
    await store.save(account(A, "a.csv"));
    await store.save(account(B, "b.csv"));
    expect(await store.load(A)).toEqual(account(A, "a.csv"));
    expect(await store.list()).toEqual([account(A, "a.csv"), account(B, "b.csv")]);
    expect(readdirSync(dir).sort()).toEqual([`${A}.json`, `${B}.json`]);
    expect(await new PrivacyLedgerDirectory(dir).load(B)).toEqual(account(B, "b.csv"));
  });

  it("serves a PrivacyLedger: a charge recorded in one process is seen by the next", async () => {
    const dir = tempDir();
    const dataset = { fingerprint: A, label: "a.csv" };
    await new PrivacyLedger(new PrivacyLedgerDirectory(dir)).setBudget(dataset, { epsilon: 8, delta: 1e-5 });
    const mechanism = { samplingRate: 0.01, noiseMultiplier: 1.1, steps: 100 };
    await new PrivacyLedger(new PrivacyLedgerDirectory(dir)).spend(dataset, {
      task: "t",
      round: 1,
      mechanism,
      delta: 1e-5,
    });
    const [report] = await new PrivacyLedger(new PrivacyLedgerDirectory(dir)).report();
    expect(report).toMatchObject({ label: "a.csv", budget: { epsilon: 8 }, charges: [{ round: 1, mechanism }] });
  });

  it("two exclusive sections on one data set never interleave; on other data sets they may", async () => {
    const dir = tempDir();
    const events: string[] = [];
    const section = (store: PrivacyLedgerDirectory, fingerprint: string, name: string) =>
      store.exclusive(fingerprint, async () => {
        events.push(`${name} in`);
        await sleep(30);
        events.push(`${name} out`);
        return name;
      });
    // Two stores on one directory: as two processes would hold the lock file.
    const one = new PrivacyLedgerDirectory(dir);
    const two = new PrivacyLedgerDirectory(dir);
    const chain = (store: PrivacyLedgerDirectory, name: string) =>
      section(store, A, `${name}1`).then(() => section(store, A, `${name}2`));
    await Promise.all([chain(one, "x"), chain(two, "y")]);
    expect(events).toHaveLength(8);
    for (let i = 0; i < 8; i += 2) expect(events[i + 1]).toBe(events[i].replace(" in", " out"));
    expect(readdirSync(dir)).toEqual([]); // locks released

    events.length = 0;
    await Promise.all([section(one, A, "a"), section(two, B, "b")]);
    expect(events.slice(0, 2).sort()).toEqual(["a in", "b in"]);
  });

  it("releases the lock when the section throws", async () => {
    const store = new PrivacyLedgerDirectory(tempDir());
    await expect(store.exclusive(A, () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(store.exclusive(A, async () => "again")).resolves.toBe("again");
  });

  it("takes over a lock left by a dead process once it is stale, with a warning; waits on a fresh one", async () => {
    const dir = tempDir();
    const warnings: string[] = [];
    const store = new PrivacyLedgerDirectory(dir, { warn: (m) => warnings.push(m) });
    const lock = path.join(dir, `${A}.lock`);
    writeFileSync(lock, "{}");
    const threeMinutesAgo = new Date(Date.now() - 3 * 60_000);
    utimesSync(lock, threeMinutesAgo, threeMinutesAgo);
    await expect(store.exclusive(A, async () => "took it")).resolves.toBe("took it");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(`took over the privacy ledger lock .*${A}\\.lock, untouched for 1[89]\\d s`),
    );
    expect(readdirSync(dir)).toEqual([]);

    writeFileSync(lock, "{}"); // fresh: held by a live process
    const impatient = new PrivacyLedgerDirectory(dir, { warn: (m) => warnings.push(m), waitMs: 100 });
    await expect(impatient.exclusive(A, async () => "no")).rejects.toThrow(/held by another process.*delete it/);
    expect(warnings).toHaveLength(1);
    expect(existsSync(lock)).toBe(true);
  });

  it("a corrupt file is an error naming it, and is never overwritten", async () => {
    const dir = tempDir();
    const store = new PrivacyLedgerDirectory(dir);
    const file = store.fileOf(A);
    for (const text of ['{"fingerprint": "0xa1', JSON.stringify({ ...account(A, "a"), charges: "none" })]) {
      writeFileSync(file, text);
      const named = new RegExp(`privacy ledger file ${file.replace(/[.\\]/g, "\\$&")} is corrupt.*left as it is`);
      await expect(store.load(A)).rejects.toThrow(named);
      await expect(store.list()).rejects.toThrow(named);
      await expect(store.save(account(A, "a"))).rejects.toThrow(named);
      const ledger = new PrivacyLedger(store);
      await expect(
        ledger.spend({ fingerprint: A, label: "a" }, { task: "t", round: 1, mechanism: null, delta: 1e-5 }),
      ).rejects.toThrow(named);
      expect(readFileSync(file, "utf8")).toBe(text);
    }
  });

  it("a file holding another data set's account is corrupt too", async () => {
    const dir = tempDir();
    const store = new PrivacyLedgerDirectory(dir);
    writeFileSync(store.fileOf(A), JSON.stringify(account(B, "b")));
    await expect(store.load(A)).rejects.toThrow(/is corrupt: it holds the account of 0xb2/);
  });

  it("refuses a fingerprint that is not one (no path outside the directory)", async () => {
    const store = new PrivacyLedgerDirectory(tempDir());
    await expect(store.load("../../etc/passwd")).rejects.toThrow(/not a data set fingerprint/);
    await expect(store.exclusive("x", async () => 1)).rejects.toThrow(/not a data set fingerprint/);
  });
});
