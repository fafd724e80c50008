import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { userDecryptWords } from "../../client/src/fhe/decrypt";
import { allowWholeAggregate } from "../../client/src/chain/aggregate";
import { deployAggregator } from "../../client/src/chain/owner";
import { initBackend } from "../../client/src/ml/backend";
import { OwnerSession } from "../../client/src/node/owner";
import { planTask } from "../../client/src/node/planTask";
import type { ParticipantState } from "../../client/src/node/state";
import type { ModelSpec } from "../../client/src/protocol/modelSpec";
import { spawnParticipant } from "../../scripts/lib/participants";
import { useDevnet } from "./helpers";
import { sleep } from "../../client/src/util/sleep";

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe("a participant killed mid-submission", () => {
  const env = useDevnet();

  it("resumes the same update and no chunk is counted twice", async () => {
    const { devnet, network, processes } = env;
    await initBackend("wasm", () => {});
    const spec: ModelSpec = { kind: "logreg", inputShape: [8, 8, 1], numClasses: 10, seed: 5 };
    // Small chunks so the update spans many transactions and the kill lands mid-way.
    const plan = planTask(spec, { valueBits: 8, clip: 1, minCohort: 2, maxCohort: 2, rounds: 1, wordsPerChunk: 4 });
    const { layout } = plan.plan;
    expect(layout.chunkCount).toBeGreaterThan(10);

    const { provider } = network;
    const signer = await provider.getSigner(0);
    const accounts = await Promise.all([1, 2].map(async (i) => (await provider.getSigner(i)).getAddress()));
    const { aggregator } = await deployAggregator(signer);
    const address = await aggregator.getAddress();
    const taskId = await OwnerSession.create(aggregator, plan, accounts);
    const owner = await OwnerSession.open({ aggregator, instance: network.fhevm.instance, signer, taskId });
    const stateDir = mkdtempSync(path.join(tmpdir(), "flufhe-resume-"));
    const args = (i: number) => [
      ...["--rpc", devnet.url, "--aggregator", address, "--task", String(taskId), "--account", String(i + 1)],
      ...["--data", "digits", "--client", String(i), "--clients", "2", "--seed", "4", "--epochs", "1"],
      ...["--state", path.join(stateDir, `p${i}.json`)],
    ];
    await owner.openNextRound();

    const victim = spawnParticipant(0, args(0));
    processes.push(victim, spawnParticipant(1, args(1)));
    await until("the first chunk of participant 0", () => {
      if (victim.child.exitCode !== null) throw new Error(`participant 0 exited early:\n${victim.stderrTail()}`);
      return victim.events.some((e) => e.event === "chunk" && !e.skipped);
    });
    victim.kill();
    await victim.exited;
    // A chunk the victim sent just before the kill may still wait for its block (interval mining):
    // count what the chain holds once nothing of the victim's is pending.
    await until("the victim's sent transactions to be mined", async () => {
      const [pending, mined] = await Promise.all(
        (["pending", "latest"] as const).map((tag) => provider.getTransactionCount(accounts[0], tag)),
      );
      return pending === mined;
    });
    const doneBefore = (await aggregator.submittedChunks(taskId, 1, accounts[0])).filter(Boolean).length;
    expect(doneBefore).toBeGreaterThan(0);
    expect(doneBefore).toBeLessThan(layout.chunkCount);

    const resumed = spawnParticipant(0, args(0));
    processes.push(resumed);
    await until("both participants to complete the round", async () => {
      const info = await aggregator.getRound(taskId, 1);
      return info.completed === 2n;
    });
    const skipped = resumed.events.filter((e) => e.event === "chunk" && e.skipped).length;
    expect(skipped).toBe(doneBefore);
    expect(resumed.events.some((e) => e.event === "trained")).toBe(false); // it reused the saved update

    const counts = (await aggregator.chunkContributors(taskId, 1)).map(Number);
    expect(counts).toEqual(Array(layout.chunkCount).fill(2));

    expect(await owner.close(1)).toBe("Closed");
    await owner.reveal(1);
    await allowWholeAggregate(aggregator, taskId, 1, layout.wordCount);
    const handles = await aggregator.aggregateHandles(taskId, 1, 0, layout.wordCount);
    const words = await userDecryptWords(network.fhevm.instance, signer, address, handles);
    // The aggregate is exactly the sum of the two saved updates (lanes are in range, so masking is a no-op).
    const saved = [0, 1].map(
      (i) => (JSON.parse(readFileSync(path.join(stateDir, `p${i}.json`), "utf8")) as ParticipantState).updates["1"],
    );
    const expected = saved[0].flat().map((w, j) => BigInt(w) + BigInt(saved[1].flat()[j]));
    expect(words).toEqual(expected);
    owner.dispose();
  });
});
