import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ParticipantState } from "../../client/src/node/participantState";
import { readDeployment } from "../../client/src/chain/deployment";
import { startDevnet, type Devnet } from "../../scripts/lib/devnet";
import { hardhatTasks, lastJson } from "./helpers";

let devnet: Devnet;
const dir = mkdtempSync(path.join(tmpdir(), "flufhe-restart-"));
const { hh, ok } = hardhatTasks(() => devnet.url, dir);
const stateFile = path.join(dir, "p1.json");
const readState = (file: string) => JSON.parse(readFileSync(file, "utf8")) as ParticipantState;

describe("a participant's state outlives its devnet", () => {
  afterAll(async () => {
    await devnet?.stop();
  });

  it("after a restart, task 1 is another task: the old state is set aside, never re-sent, and the new round goes in", async () => {
    devnet = await startDevnet();
    await ok(["fl:deploy"]);
    const address = readDeployment("localhost", dir).aggregator;
    await ok(["fl:create-task", "--dataset", "breast-cancer", "--participants", "1,2,3", "--rounds", "2"]);
    await ok(["fl:open-round", "--task", "1"]);
    const submit = (data: string[]) =>
      hh(["fl:submit", "--task", "1", "--account", "1", ...data, "--epochs", "1", "--state", stateFile, "--json"]);
    const first = await submit(["--data", "breast-cancer", "--client", "0", "--clients", "3"]);
    expect(first.code, first.stderr).toBe(0);
    const old = readState(stateFile);
    expect(old.updates["1"]).toBeDefined();

    // The same port, the same deployer: the aggregator lands at the same address and numbers tasks from 1.
    const port = Number(new URL(devnet.url).port);
    await devnet.stop();
    devnet = await startDevnet({ port });
    await ok(["fl:deploy"]);
    expect(readDeployment("localhost", dir).aggregator).toBe(address);
    const csv = path.join(dir, "flowers.csv");
    const rows = ["sepal,petal,width,species"];
    for (let i = 0; i < 30; i++) rows.push(`${4 + (i % 3)},${1 + (i % 5)},${i % 2},${["a", "b", "c"][i % 3]}`);
    writeFileSync(csv, rows.join("\n") + "\n");
    const csvArgs = ["--dataset", csv, "--label-column", "species", "--participants", "1,2,3", "--min-cohort", "2"];
    expect(lastJson(await ok(["fl:create-task", ...csvArgs, "--json"])).taskId).toBe("1");
    await ok(["fl:open-round", "--task", "1"]);

    const second = await submit(["--data", csv, "--label-column", "species"]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(
      /state file .*p1\.json was not used: it was made for task 1 on chain 31337 .*differ in modelHash, (createdBlock, )?createdBlockHash/,
    );
    const aside = readdirSync(dir).filter((f) => /^p1\.chain31337-block\d+-[0-9a-f]{8}\.json$/.test(f));
    expect(aside, readdirSync(dir).join(", ")).toHaveLength(1);
    expect(second.stderr).toContain(`kept as ${path.join(dir, aside[0])}`);
    // Kept byte for byte; the new state is this task's, with this round's update.
    expect(readState(path.join(dir, aside[0]))).toEqual(old);
    const fresh = readState(stateFile);
    expect(fresh.task.createdBlockHash).not.toBe(old.task.createdBlockHash);
    expect(fresh.updates["1"]).toBeDefined();
    expect(fresh.updates["1"]).not.toEqual(old.updates["1"]);
    expect(lastJson(second.stdout)).toMatchObject({ round: 1 });

    // A third run on the same chain reuses the (now matching) state and sets nothing aside.
    const status = lastJson(await ok(["fl:status", "--task", "1", "--json"]));
    expect(status.history).toEqual([expect.objectContaining({ state: "open" })]);
    expect(existsSync(stateFile)).toBe(true);
  });
});
