import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { deployAggregator } from "../../client/src/chain/owner";
import { initBackend } from "../../client/src/ml/backend";
import { ModelDirectory } from "../../client/src/node/modelStore";
import { OwnerSession } from "../../client/src/node/owner";
import { planTask } from "../../client/src/node/planTask";
import { checkParticipants, spawnParticipant } from "../../scripts/lib/participants";
import { hardhatTasks, lastJson, useDevnet } from "./helpers";

/** Today's codec joining at round 2; a lowrank task (whose round needs the model of the round before too) at round 3. */
const lateJoins = [
  {
    name: "a participant added at round 2",
    spec: { kind: "logreg" as const, inputShape: [30], numClasses: 2, seed: 3 },
    codec: { valueBits: 16, clip: 1 },
    listedDuring: 1,
  },
  {
    name: "a participant added at round 3 of a lowrank task",
    spec: {
      kind: "mlp" as const,
      inputShape: [30],
      numClasses: 2,
      hidden: [8],
      seed: 3,
      // No firstFactor: random first factors, as every lowrank task created before the downstream start.
      encoding: { kind: "lowrank" as const, rank: 1 },
    },
    codec: {},
    listedDuring: 2,
  },
];

describe("a participant added later", () => {
  const env = useDevnet();

  it.each(lateJoins)("$name fetches the committed models, trains, submits and finishes with the others", async (c) => {
    const { devnet, network, processes } = env;
    await initBackend("wasm", () => {});
    const dir = mkdtempSync(path.join(tmpdir(), "flufhe-late-"));
    const shared = path.join(dir, "owner-models");
    const plan = planTask(c.spec, { rounds: 3, maxCohort: 4, ...c.codec });
    const { provider } = network;
    const signer = await provider.getSigner(0);
    const accounts = await Promise.all([1, 2, 3, 4].map(async (i) => (await provider.getSigner(i)).getAddress()));
    const { aggregator } = await deployAggregator(signer);
    const taskId = await OwnerSession.create(aggregator, plan, accounts.slice(0, 3));
    const owner = await OwnerSession.open({
      aggregator,
      instance: network.fhevm.instance,
      signer,
      taskId,
      modelCache: new ModelDirectory(shared),
    });
    const args = (i: number, models: string[]) => [
      ...["--rpc", devnet.url, "--aggregator", String(aggregator.target), "--task", String(taskId)],
      ...["--account", String(i + 1), "--data", "breast-cancer", "--client", String(i), "--clients", "4"],
      ...["--seed", "3", "--epochs", "1", "--state", path.join(dir, `p${i}.json`)],
      ...["--model-dir", path.join(dir, `models-${i}`), ...models],
    ];
    // The late joiner keeps its own models apart and fetches the ones it cannot rebuild from the owner's.
    // This test's nodes (the env's list also holds earlier tests' and stops any left running).
    const nodes = [0, 1, 2].map((i) => spawnParticipant(i, args(i, [])));
    const late = spawnParticipant(3, args(3, ["--models", shared]));
    nodes.push(late);
    processes.push(...nodes);
    const results = await owner.runRounds({
      // Listed during round r: takes part from round r + 1.
      afterOpen: async (round) =>
        void (round === c.listedDuring && (await (await aggregator.addParticipants(taskId, [accounts[3]])).wait())),
      check: () => checkParticipants(nodes),
    });
    expect(results.map((r) => r.state)).toEqual(["Revealed", "Revealed", "Revealed"]);
    const codes = await Promise.all(nodes.map((p) => p.exited));
    expect(codes, nodes.map((p) => p.stderrTail()).join("\n")).toEqual([0, 0, 0, 0]);

    expect(late.events.some((e) => e.event === "round-skipped" && e.round === c.listedDuring)).toBe(true);
    const joined = c.listedDuring + 1;
    expect(late.events.filter((e) => e.event === "submitted").map((e) => e.round)).toEqual(
      [2, 3].filter((r) => r >= joined),
    );
    expect((await aggregator.getRound(taskId, joined)).completed).toBe(4n);
    // Every node ends on the owner's model: the late joiner computed and saved the same commitment.
    const final = owner.model.commitment();
    for (let i = 0; i < 4; i++) expect(existsSync(path.join(dir, `models-${i}`, `${final}.json`))).toBe(true);
    owner.dispose();
  });

  it("with the terminal commands alone, a participant added after round 1 writes the same final model as the others", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "flufhe-late-cli-"));
    const { ok } = hardhatTasks(() => env.devnet.url, dir);
    await ok(["fl:deploy"]);
    const created = ["--dataset", "breast-cancer", "--participants", "1,2,3", "--rounds", "2", "--min-cohort", "3"];
    const task = String(lastJson(await ok(["fl:create-task", ...created, "--json"])).taskId);
    const submit = (account: number) =>
      ok([
        ...["fl:submit", "--task", task, "--account", String(account), "--data", "breast-cancer"],
        ...["--client", String(account - 1), "--clients", "4", "--epochs", "1"],
        ...["--state", path.join(dir, `p${account}.json`)],
      ]);
    const round = async (accounts: number[]) => {
      await ok(["fl:open-round", "--task", task]);
      for (const a of accounts) await submit(a);
      await ok(["fl:close-round", "--task", task]);
      await ok(["fl:reveal", "--task", task]);
    };
    await round([1, 2, 3]);
    await ok(["fl:participants", "--task", task, "add", "--accounts", "4"]);
    await round([1, 2, 3, 4]);

    const decrypt = async (account: number) => {
      const out = path.join(dir, `model-${account}.json`);
      const printed = lastJson(
        await ok(["fl:decrypt", "--task", task, "--account", String(account), "--out", out, "--json"]),
      );
      return { printed, model: JSON.parse(readFileSync(out, "utf8")) as { commitment: string; weights: number[] } };
    };
    const early = await decrypt(1);
    const late = await decrypt(4);
    expect(late.model.weights).toEqual(early.model.weights);
    expect(late.model.commitment).toBe(early.model.commitment);
    // Where each started: the task's spec for a first-round participant, round 2's committed model for the joiner.
    expect(early.printed.startedFrom).toMatchObject({ round: 0, source: "the task's spec" });
    expect(late.printed.startedFrom).toMatchObject({ round: 2, source: expect.stringMatching(/models/) });
  });
});
