import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quantStep } from "../../client/src/codec";
import { initBackend } from "../../client/src/ml/backend";
import {
  buildModel,
  getFlatWeights,
  initialiseWeights,
  setFlatWeights,
  type ModelSpec,
} from "../../client/src/ml/models";
import { trainLocal } from "../../client/src/ml/train";
import { loadPartitions } from "../../client/src/node/data";
import { localTrainingSeed } from "../../client/src/node/taskSession";
import { startDevnet, type Devnet } from "../../scripts/lib/devnet";
import { hardhatTasks, lastJson, runCli } from "./helpers";

let devnet: Devnet;
const dir = mkdtempSync(path.join(tmpdir(), "flufhe-tasks-"));

const { hh, ok } = hardhatTasks(() => devnet.url, dir);

describe("fl: Hardhat tasks drive the whole lifecycle", () => {
  beforeAll(async () => {
    devnet = await startDevnet();
  });
  afterAll(async () => {
    await devnet?.stop();
  });

  it("create -> participants -> open -> three submits -> close -> reveal -> decrypt equals the plaintext average", async () => {
    await ok(["fl:deploy"]);
    const created = lastJson(
      await ok([
        "fl:create-task",
        "--dataset",
        "breast-cancer",
        "--participants",
        "1,2,3",
        "--rounds",
        "1",
        "--seed",
        "2",
        "--json",
      ]),
    );
    const task = String(created.taskId);
    const listed = lastJson(await ok(["fl:participants", "--task", task, "list", "--json"])) as unknown as unknown[];
    expect(listed).toHaveLength(3);

    // Denials print the decoded custom error and what to do.
    const early = await hh(["fl:close-round", "--task", task]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/RoundNotOpen\(taskId=1, round=0, state=0\): the round is not open/);
    const intruder = await hh(["fl:participants", "--task", task, "add", "--accounts", "6", "--account", "5"]);
    expect(intruder.stderr).toMatch(
      /NotTaskOwner\(taskId=1, caller=0x[0-9a-fA-F]{40}\): send this from the account that created the task/,
    );
    const notOwner = await hh(["fl:open-round", "--task", task, "--account", "5"]);
    expect(notOwner.stderr).toMatch(
      /task 1 belongs to 0x[0-9a-fA-F]{40}, not 0x[0-9a-fA-F]{40}: sign as the task's owner/,
    );

    await ok(["fl:open-round", "--task", task]);
    for (const i of [0, 1, 2]) {
      const common = [
        "--data",
        "breast-cancer",
        "--client",
        String(i),
        "--clients",
        "3",
        "--seed",
        "2",
        "--epochs",
        "2",
      ];
      await ok([
        "fl:submit",
        "--task",
        task,
        "--account",
        String(i + 1),
        ...common,
        "--state",
        path.join(dir, `s${i}.json`),
        // One participant encrypts on a worker pool (its own mock instance per thread): the average below checks it.
        ...(i === 0 ? ["--encrypt-threads", "2"] : []),
      ]);
    }
    const twice = await hh(["fl:reveal", "--task", task]);
    expect(twice.stderr).toMatch(/RoundNotClosed.*close the round first/);
    await ok(["fl:close-round", "--task", task]);
    await ok(["fl:reveal", "--task", task]);
    const out = path.join(dir, "model.json");
    await ok(["fl:decrypt", "--task", task, "--account", "2", "--out", out]);
    const status = lastJson(await ok(["fl:status", "--task", task, "--json"]));
    const history = status.history as { state: string; contributors: number[]; txs: number; hcuUsed: number }[];
    expect(history[0].state).toBe("revealed");
    expect(history[0].contributors.every((c) => c === 3)).toBe(true);
    expect(history[0].hcuUsed).toBeGreaterThan(0);

    // The same training in-process: the decrypted model must be the plaintext average.
    await initBackend("wasm", () => {});
    const saved = JSON.parse(readFileSync(out, "utf8")) as { spec: ModelSpec; weights: number[] };
    const { parts } = loadPartitions({ data: "breast-cancer", clients: 3, partition: "iid", seed: 2 });
    const model = buildModel(saved.spec);
    initialiseWeights(model, saved.spec.seed);
    const initial = getFlatWeights(model);
    const deltas = parts.map((train, i) => {
      setFlatWeights(model, initial);
      trainLocal(model, train, { epochs: 2, batchSize: 16, learningRate: 0.1, seed: localTrainingSeed(2 + i, 1) });
      return getFlatWeights(model).map((w, j) => Math.max(-1, Math.min(1, w - initial[j])));
    });
    model.dispose();
    const step = quantStep(1, 16);
    saved.weights.forEach((w, j) => {
      const expected = initial[j] + (deltas[0][j] + deltas[1][j] + deltas[2][j]) / 3;
      expect(Math.abs(w - expected)).toBeLessThanOrEqual(step + 1e-6);
    });
  });

  it("creates tasks for owners without data (by shape) and for CSVs with class-name labels; explains bad input", async () => {
    const byShape = lastJson(
      await ok(["fl:create-task", "--input-shape", "4", "--classes", "3", "--participants", "1,2,3", "--json"]),
    );
    expect(byShape.parameters).toBe(4 * 3 + 3);
    expect(byShape.minCohort).toBe(3);
    // The real-network cost next to gas and HCU: one input proof of ~30 s on one thread.
    expect(byShape).toMatchObject({ proofsPerParticipant: 1, clientProofSeconds: 30 });
    expect(byShape.clientThreads).toBe(Math.max(1, availableParallelism() - 1));
    expect(byShape.gasPerParticipant).toBeGreaterThan(0);

    // Quoted fields, CRLF, a byte-order mark and class names: the task carries the sorted names.
    const csv = path.join(dir, "flowers.csv");
    const rows = ["\uFEFFsepal,petal,species"];
    for (let i = 0; i < 30; i++) {
      const species = ["virginica", "setosa", "versicolor"][i % 3];
      rows.push(`${(4 + (i % 3) + i / 100).toFixed(2)},"${(1 + (i % 3) * 2).toFixed(1)}",${species}`);
    }
    writeFileSync(csv, rows.join("\r\n") + "\r\n");
    const fromCsv = lastJson(
      await ok([
        "fl:create-task",
        "--dataset",
        csv,
        "--label-column",
        "species",
        "--participants",
        "1,2,3",
        "--min-cohort",
        "2",
        "--json",
      ]),
    );
    expect(fromCsv.warnings).toEqual([expect.stringMatching(/minimum cohort of 2 lets each of the two/)]);
    const status = lastJson(await ok(["fl:status", "--task", String(fromCsv.taskId), "--json"]));
    expect(status.parameters).toBe(2 * 3 + 3);

    const bad = async (args: string[], message: RegExp) => {
      const r = await hh(["fl:create-task", ...args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
    };
    await bad(["--max-cohort", "0"], /the maximum cohort must be an integer in \[1, 65535\], got 0/);
    await bad(["--model", "svm"], /kind must be one of logreg, mlp, cnn, lenet, got "svm"/);
    await bad(["--participants", "1,0xnope"], /"0xnope" is not an address/);
    await bad(["--clip", "0.0000001"], /clip bound must be at least 0.000001/);
    await bad(["--duration", String(400 * 24 * 3600)], /a year/);
    const spec = path.join(dir, "broken.json");
    writeFileSync(spec, "{ rounds: 3 ");
    await bad(["--spec", spec], new RegExp(`--spec ${spec.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: not valid JSON`));
  });

  it("tells a node pointed at an address without a contract what to do", async () => {
    const r = await runCli([
      "node",
      ...["--task", "1", "--account", "1", "--data", "breast-cancer", "--rpc", devnet.url],
      ...["--aggregator", "0x000000000000000000000000000000000000dEaD", "--retries", "1"],
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--aggregator: no contract at 0x000000000000000000000000000000000000dEaD on chain 31337/);
  });
});
