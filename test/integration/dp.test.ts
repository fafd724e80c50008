import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { DatasetAccount } from "../../client/src/privacy/ledger";
import { epsilonOf } from "../../client/src/privacy/rdp";
import { roundMechanism, type PrivacyTerms } from "../../client/src/protocol/privacy";
import { startDevnet, type Devnet } from "../../scripts/lib/devnet";
import { hardhatTasks, lastJson, runCli } from "./helpers";

let devnet: Devnet;
const dir = mkdtempSync(path.join(tmpdir(), "flufhe-dp-"));
const ledgerDir = path.join(dir, "ledger");
const { hh, ok } = hardhatTasks(() => devnet.url, dir);

const submit = (account: number, extra: string[] = []) =>
  hh([
    ...["fl:submit", "--task", "1", "--account", String(account), "--data", "breast-cancer"],
    ...["--client", String(account - 1), "--clients", "3", "--state", path.join(dir, `p${account}.json`)],
    ...["--privacy-ledger", ledgerDir, "--json", ...extra],
  ]);

const ledgerAccounts = () =>
  readdirSync(ledgerDir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(path.join(ledgerDir, f), "utf8")) as DatasetAccount);

describe("a task with differential privacy on the devnet", () => {
  afterAll(async () => {
    await devnet?.stop();
  });

  it("stores its promise on chain, trains each participant with DP-SGD, charges each ledger and reveals the round", async () => {
    devnet = await startDevnet();
    await ok(["fl:deploy"]);
    const created = lastJson(
      await ok([
        ...["fl:create-task", "--dataset", "breast-cancer", "--participants", "1,2,3", "--rounds", "2"],
        ...["--dp-epsilon", "4", "--dp-sampling", "0.1", "--json"],
      ]),
    );
    const terms = created.privacy as PrivacyTerms;
    expect(terms).toMatchObject({ delta: 1e-5, clipNorm: 1, samplingRate: 0.1, stepsPerRound: 10 });
    expect(terms.epsilon).toBeLessThanOrEqual(4);
    // What anyone reads on chain is the same promise.
    const status = lastJson(await ok(["fl:status", "--task", "1", "--json"]));
    expect(status.privacy).toEqual(terms);

    await ok(["fl:open-round", "--task", "1"]);
    for (const account of [1, 2, 3]) {
      const r = await submit(account);
      expect(r.code, r.stderr).toBe(0);
    }
    const accounts = ledgerAccounts();
    expect(accounts).toHaveLength(3);
    for (const a of accounts) {
      expect(a.charges).toEqual([expect.objectContaining({ round: 1, mechanism: roundMechanism(terms) })]);
    }
    await ok(["fl:close-round", "--task", "1"]);
    await ok(["fl:reveal", "--task", "1"]);
    const decrypted = lastJson(
      await ok(["fl:decrypt", "--task", "1", "--account", "1", "--out", path.join(dir, "model.json"), "--json"]),
    );
    expect(decrypted).toMatchObject({ round: 1 });

    // The ledger prints what each data set spent: one round's epsilon, recomputed from the mechanism.
    const printed = await runCli(["privacy", "--ledger", ledgerDir, "--json"]);
    expect(printed.code, printed.stderr).toBe(0);
    const report = JSON.parse(printed.stdout) as { spent: number }[];
    const oneRound = epsilonOf([roundMechanism(terms)], 1e-5);
    for (const entry of report) expect(entry.spent).toBeCloseTo(oneRound, 6);
  });

  it("refuses a round over the data's budget before anything is trained or sent", async () => {
    await ok(["fl:open-round", "--task", "1"]);
    const before = readFileSync(path.join(dir, "p1.json"), "utf8");
    const refused = await submit(1, ["--privacy-budget", "0.5"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/would exceed the privacy budget of data set "breast-cancer \(participant 0 of 3/);
    expect(refused.stderr).toMatch(/Nothing was trained/);
    expect(refused.stderr).not.toMatch(/\n\s+at /); // one clear line, no stack trace
    // Nothing was recorded or sent: the ledger still holds one charge, the state no round-2 update.
    const charged = ledgerAccounts().find((a) => a.budget?.epsilon === 0.5)!;
    expect(charged.charges).toHaveLength(1);
    expect(JSON.parse(readFileSync(path.join(dir, "p1.json"), "utf8")).updates["2"]).toBeUndefined();
    expect(JSON.parse(before).updates["1"]).toBeDefined();
    const status = lastJson(await ok(["fl:status", "--task", "1", "--json"]));
    expect((status.history as { round: number; completed: number }[]).find((r) => r.round === 2)).toMatchObject({
      completed: 0,
    });
  });
});
