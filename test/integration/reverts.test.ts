import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Result } from "ethers";
import { resolveSigner } from "../../client/src/chain/account";
import { readDeployment } from "../../client/src/chain/deployment";
import { transact } from "../../client/src/chain/transact";
import { FLuFHEAggregator__factory } from "../../types";
import { hardhatTasks, useDevnet } from "./helpers";

const dir = mkdtempSync(path.join(tmpdir(), "flufhe-reverts-"));

describe("every failed call says which call it was and why", () => {
  const fixture = useDevnet();
  const { hh, ok } = hardhatTasks(() => fixture.devnet.url, dir);
  const ACCOUNT = /account 0x[0-9a-fA-F]{40}/.source;

  /** Exits 1 with one line on stderr: no Hardhat stack trace. */
  async function refused(args: string[], message: RegExp) {
    const r = await hh(args);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  }

  it("recovers the custom error of a mined failure, and names call, task, round, batch and account", async () => {
    await ok(["fl:deploy"]);
    await ok(["fl:create-task", "--dataset", "breast-cancer", "--participants", "1,2,3"]);
    const signer = await resolveSigner(fixture.network.provider, "4");
    const aggregator = FLuFHEAggregator__factory.connect(readDeployment("localhost", dir).aggregator, signer);
    // An explicit gas limit skips estimation: the transaction is mined and fails without revert data.
    await expect(
      transact(aggregator, { fn: "publishClearAggregate", taskId: 1n, round: 1, batch: 0 }, [1n, 1, 0, "0x", "0x"], {
        gasLimit: 500_000,
      }),
    ).rejects.toThrow(
      new RegExp(`^publishClearAggregate \\(task 1, round 1, batch 0, ${ACCOUNT}\\) reverted with WrongPolicy\\(`),
    );
    // Out of gas has no reason to recover: the message says what to check.
    // A fresh copy: ethers' decoded results are read-only, and the call re-encodes its arguments.
    const config = ((await aggregator.getTask(1n)).config as unknown as Result).toObject(true);
    await expect(transact(aggregator, { fn: "createTask" }, [config, []], { gasLimit: 120_000 })).rejects.toThrow(
      new RegExp(`^createTask \\(${ACCOUNT}\\) reverted without a reason: check the task's settings`),
    );
  });

  it("answers the bad inputs that used to end in a bare revert or a stack trace", async () => {
    await refused(["fl:publish", "--task", "1"], /task 1 reveals its aggregates to its participants only.*fl:decrypt/);
    await refused(
      ["fl:create-task", "--duration", "-5"],
      /^error: the round duration must be whole seconds in \[1, 31536000\] \(a year\), got -5$/m,
    );
    await refused(["fl:create-task", "--duration", "soon"], /^error: --duration must be an integer, got "soon"$/m);
    await refused(["fl:submit", "--task", "1", "--lr", "abc"], /^error: --lr must be a number > 0, got "abc"$/m);
    await refused(["fl:submit", "--task", "1", "--epochs", "0"], /^error: --epochs must be an integer >= 1, got "0"$/m);
    await refused(["fl:status", "--task", "x"], /^error: --task must be an integer >= 1, got "x"$/m);
    const labelOnly = path.join(dir, "label-only.csv");
    writeFileSync(labelOnly, "diagnosis\n0\n1\n");
    await refused(
      ["fl:create-task", "--dataset", labelOnly, "--label-column", "diagnosis"],
      /label-only\.csv:1: the only column is the label "diagnosis"; a sample needs at least one feature column/,
    );
    // A revert the tasks send themselves: closing a round that never opened.
    await refused(
      ["fl:close-round", "--task", "1"],
      /closeRound \(task 1, round 0, account 0x[0-9a-fA-F]{40}\) reverted with RoundNotOpen/,
    );
  });
});
