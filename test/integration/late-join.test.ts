import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { deployAggregator } from "../../client/src/chain/owner";
import { initBackend } from "../../client/src/ml/backend";
import { ModelDirectory } from "../../client/src/node/modelStore";
import { OwnerSession } from "../../client/src/node/owner";
import { planTask } from "../../client/src/node/planTask";
import { spawnParticipant } from "../../scripts/lib/participants";
import { useDevnet } from "./helpers";

describe("a participant added at round 2", () => {
  const env = useDevnet();

  it("fetches the committed model, trains, submits and finishes the task with the others", async () => {
    const { devnet, network, processes } = env;
    await initBackend("wasm", () => {});
    const dir = mkdtempSync(path.join(tmpdir(), "flufhe-late-"));
    const shared = path.join(dir, "owner-models");
    const plan = planTask(
      { kind: "logreg", inputShape: [30], numClasses: 2, seed: 3 },
      { rounds: 3, maxCohort: 4, valueBits: 16, clip: 1 },
    );
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
    for (let i = 0; i < 3; i++) processes.push(spawnParticipant(i, args(i, [])));
    const late = spawnParticipant(3, args(3, ["--models", shared]));
    processes.push(late);
    const alive = () => {
      const bad = processes.find((p) => p.child.exitCode !== null && p.child.exitCode !== 0);
      if (bad) throw new Error(`participant ${bad.index} exited with ${bad.child.exitCode}:\n${bad.stderrTail()}`);
    };

    for (let round = 1; round <= 3; round++) {
      await owner.openNextRound();
      if (round === 1) await (await aggregator.addParticipants(taskId, [accounts[3]])).wait(); // from round 2
      await owner.waitForSubmissions(round, alive);
      expect(await owner.close(round)).toBe("Closed");
      await owner.reveal(round);
      await owner.applyRound(round);
    }
    const codes = await Promise.all(processes.map((p) => p.exited));
    expect(codes, processes.map((p) => p.stderrTail()).join("\n")).toEqual([0, 0, 0, 0]);

    expect(late.events.some((e) => e.event === "round-skipped" && e.round === 1)).toBe(true);
    expect(late.events.filter((e) => e.event === "submitted").map((e) => e.round)).toEqual([2, 3]);
    expect((await aggregator.getRound(taskId, 2)).completed).toBe(4n);
    // Every node ends on the owner's model: the late joiner computed and saved the same commitment.
    const final = owner.model.commitment();
    for (let i = 0; i < 4; i++) expect(existsSync(path.join(dir, `models-${i}`, `${final}.json`))).toBe(true);
    owner.dispose();
  });
});
