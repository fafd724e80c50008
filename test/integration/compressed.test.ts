import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openNetwork } from "../../client/src/chain/network";
import { initBackend } from "../../client/src/ml/backend";
import { buildModel, getFlatWeights } from "../../client/src/ml/models";
import { readDeployment } from "../../client/src/chain/deployment";
import { taskEncoding } from "../../client/src/node/encoding";
import { planTask } from "../../client/src/node/planTask";
import { modelCommitment, specFromUri, type ModelSpec } from "../../client/src/protocol/modelSpec";
import { ModelDirectory, type ModelFile } from "../../client/src/node/modelStore";
import { findInputBasis } from "../../client/src/node/inputBasisFile";
import { pcaKeepByWordsRule } from "../../client/src/protocol/wordsRule";
import { layoutFromTask } from "../../client/src/protocol/taskConfig";
import { FLuFHEAggregator__factory } from "../../types";
import { runDemo } from "../../scripts/lib/demo-run";
import { startDevnet, type Devnet } from "../../scripts/lib/devnet";
import { hardhatTasks, lastJson } from "./helpers";

/** The breast-cancer runs' shared settings (3 participant processes, IID, 2 local epochs). */
const SMALL_RUN = { partition: "iid", alpha: 0.5, seed: 5, epochs: 2, batchSize: 16, lr: 0.1 } as const;

describe("compressed encrypted FedAvg (Hardhat node + participant processes)", () => {
  it("participants encode with the round's on-chain seed, everyone decodes the same next model", async () => {
    const out = mkdtempSync(path.join(tmpdir(), "flufhe-compressed-"));
    // A shared-seed projection: every participant and the owner must draw the same map from the
    // chain's (task, round, globalModelHash), or round 2 opens on a commitment the participants refuse.
    const { report, weights } = await runDemo({
      dataset: "breast-cancer",
      model: "logreg",
      clients: 3,
      rounds: 2,
      ...SMALL_RUN,
      compress: "hash:2",
      out,
    });
    expect(report.encoding).toEqual({ kind: "hash", ratio: 2 });
    expect(weights.length).toBe(report.parameters);
    // 62 parameters -> 31 coordinates in 3-bit codes + 3 weight digits, 25 five-bit lanes per word (3 contributors).
    expect(report.codec.valueBits).toBe(3);
    expect(report.wordsPerParticipant).toBe(2);
    expect(report.rounds).toHaveLength(2);
    expect(report.compressedPlaintextFinalAccuracy).toBeGreaterThan(0.85);
    expect(report.finalAccuracy).toBeGreaterThan(0.85);
    for (const r of report.rounds) {
      // Encrypted and plaintext runs of the same encoding differ only in the participants' own dither.
      expect(Math.abs(r.accuracy - r.compressedPlaintextAccuracy!)).toBeLessThanOrEqual(0.06);
    }
  });
});

describe("low-rank encrypted FedAvg (Hardhat node + participant processes)", () => {
  it("participants and the owner derive the same factors from the round's model and the previous change", async () => {
    const out = mkdtempSync(path.join(tmpdir(), "flufhe-lowrank-"));
    // Round 1's factors follow the output kernel of the committed model (the downstream start), round 2's
    // round 1's change and then (the kernel fill) the round's own 30 x 8 kernel, round 3's round 2's change
    // (the other side): if any party derived other factors, it would decode another model and the next
    // round's commitment would not match (participants refuse to train on it, the demo fails).
    const { report, weights } = await runDemo({
      dataset: "breast-cancer",
      model: "mlp",
      hidden: "8",
      clients: 3,
      rounds: 3,
      ...SMALL_RUN,
      compress: "lowrank:1-kernel",
      out,
    });
    expect(report.encoding).toEqual({ kind: "lowrank", rank: 1, firstFactor: "downstream", fill: "kernel" });
    expect(weights.length).toBe(report.parameters);
    // 30 x 8 kernel -> rank 1 x 30 coordinates; the 8 biases and the 8 x 2 + 2 output layer pass whole.
    expect(report.parameters).toBe(30 * 8 + 8 + 8 * 2 + 2);
    expect(report.rounds).toHaveLength(3);
    expect(report.finalAccuracy).toBeGreaterThan(0.85);
    for (const r of report.rounds)
      expect(Math.abs(r.accuracy - r.compressedPlaintextAccuracy!)).toBeLessThanOrEqual(0.06);
  });
});

/** The breast-cancer MLP runs' model (one hidden layer of 8), its first layer's size, and a 2-round run of it. */
const MLP8 = { kind: "mlp" as const, inputShape: [30], numClasses: 2, hidden: [8] };
const FROZEN = 30 * 8 + 8;
const mlp8Run = (prefix: string) => ({
  dataset: "breast-cancer",
  model: "mlp" as const,
  hidden: "8",
  clients: 3,
  rounds: 2,
  ...SMALL_RUN,
  out: mkdtempSync(path.join(tmpdir(), prefix)),
});

describe("pca encrypted FedAvg (Hardhat node + participant processes)", () => {
  it("takes the basis from the public share, publishes it by digest, and every process decodes the same models", async () => {
    // The owner computes the basis from the share no participant holds and saves it in its models
    // directory; the participant processes have only its digest (in the spec) and fetch it from there:
    // a process with another basis would decode another model and refuse round 2's commitment.
    const run = { ...mlp8Run("flufhe-pca-"), compress: "pca:4" };
    const { out } = run;
    const { report, weights } = await runDemo({ ...run, publicShare: 0.1 });
    expect(report.encoding).toMatchObject({ kind: "pca", keep: 4 });
    const digest = (report.encoding as { basis: string }).basis;
    const runDir = path.join(
      out,
      readdirSync(out).find((d) => d.startsWith("demo-"))!,
    );
    const file = JSON.parse(readFileSync(path.join(runDir, "models", `${digest}.json`), "utf8"));
    expect(file.inputBasis).toMatchObject({ keep: 4, features: 30 });
    // 30 x 8 kernel -> 4 x 8 coordinates; the 8 biases and the 8 x 2 + 2 output layer pass whole.
    expect(weights.length).toBe(30 * 8 + 8 + 8 * 2 + 2);
    expect(report.finalAccuracy).toBeGreaterThan(0.85);
    for (const r of report.rounds)
      expect(Math.abs(r.accuracy - r.compressedPlaintextAccuracy!)).toBeLessThanOrEqual(0.06);
    await expect(runDemo({ ...run, out: mkdtempSync(path.join(tmpdir(), "flufhe-pca-")) })).rejects.toThrow(
      "pca:4 takes its input basis from a public sample: add --public-share <fraction>",
    );
  });
});

describe("partial training (Hardhat node + participant processes)", () => {
  it("keeps the frozen layer at its committed weights in every process and sends only the rest", async () => {
    await initBackend("wasm", () => {});
    const { report, weights } = await runDemo({ ...mlp8Run("flufhe-frozen-"), freeze: 1 });
    expect(report.parameters).toBe(FROZEN + 8 * 2 + 2);
    expect(weights.length).toBe(report.parameters);
    const frozen = FROZEN;
    const initial = getFlatWeights(buildModel({ ...MLP8, seed: 5 }));
    expect(Array.from(weights.subarray(0, frozen))).toEqual(Array.from(initial.subarray(0, frozen)));
    expect(weights.subarray(frozen).some((w, i) => w !== initial[frozen + i])).toBe(true);
    // Only the 18 trained parameters go on chain.
    const spec = { ...MLP8, seed: 5 };
    const words = (s: ModelSpec) => planTask(s, { maxCohort: 3 }).plan.layout.wordCount;
    expect(report.wordsPerParticipant).toBe(words({ ...spec, frozenLayers: 1 }));
    expect(words({ ...spec, frozenLayers: 1 }) * 4).toBeLessThan(words(spec));
    expect(report.rounds).toHaveLength(2);
    for (const r of report.rounds) expect(Math.abs(r.accuracy - r.plaintextAccuracy)).toBeLessThanOrEqual(0.02);
  });
});

describe("a task from published initial weights (Hardhat node + participant processes)", () => {
  it("starts every process from the given weights, fetched by their commitment, and fine-tunes the unfrozen layer", async () => {
    await initBackend("wasm", () => {});
    const run = mlp8Run("flufhe-published-");
    // "Pretrained" weights: another seed's model, so the seed's own initialisation cannot stand in for them.
    const given = getFlatWeights(buildModel({ ...MLP8, seed: 99 }));
    const file = path.join(run.out, "body.json");
    writeFileSync(file, JSON.stringify({ weights: Array.from(given) }));
    const { report, weights, plaintextWeights } = await runDemo({ ...run, initialWeights: file, freeze: 1 });
    const frozen = FROZEN;
    expect(Array.from(weights.subarray(0, frozen))).toEqual(Array.from(given.subarray(0, frozen)));
    expect(Array.from(plaintextWeights.subarray(0, frozen))).toEqual(Array.from(given.subarray(0, frozen)));
    expect(weights.subarray(frozen).some((w, i) => w !== given[frozen + i])).toBe(true);
    for (const r of report.rounds) expect(Math.abs(r.accuracy - r.plaintextAccuracy)).toBeLessThanOrEqual(0.02);
    // A weights file of the wrong size is refused before anything starts.
    writeFileSync(file, JSON.stringify({ weights: [0.1, 0.2] }));
    await expect(runDemo({ ...run, initialWeights: file })).rejects.toThrow(
      /the initial weights hold 2 values, the spec's model has 266 parameters/,
    );
  });
});

describe("fl:create-task --compress", () => {
  let devnet: Devnet;
  const dir = mkdtempSync(path.join(tmpdir(), "flufhe-compress-task-"));
  beforeAll(async () => {
    devnet = await startDevnet();
  });
  afterAll(async () => {
    await devnet?.stop();
  });
  /** A task as the chain holds it, read from the aggregator the tests deployed. */
  const onChainTask = async (taskId: unknown) => {
    const network = await openNetwork(devnet.url);
    try {
      const aggregator = FLuFHEAggregator__factory.connect(
        readDeployment("localhost", dir).aggregator,
        network.provider,
      );
      return await aggregator.getTask(BigInt(taskId as string));
    } finally {
      network.close();
    }
  };

  it("puts the encoding into the task's spec and plans the chain's paramCount from it", async () => {
    const { hh } = hardhatTasks(() => devnet.url, dir);
    expect((await hh(["fl:deploy"])).code).toBe(0);
    const args = ["--input-shape", "8x8x1", "--classes", "3", "--model", "mlp", "--hidden", "5"];
    const created = await hh(["fl:create-task", ...args, "--compress", "dct:4", "--participants", "1,2,3", "--json"]);
    expect(created.code, created.stderr).toBe(0);
    const out = lastJson(created.stdout);
    expect(out.encoding).toEqual({ kind: "dct", keep: 4 });
    const task = await onChainTask(out.taskId);
    const spec = specFromUri(task.config.modelURI);
    expect(spec.encoding).toEqual({ kind: "dct", keep: 4 });
    const layout = layoutFromTask(task);
    // 8x8 inputs x 5 units -> 4x4 frequencies x 5 units, plus the 5 + 5 x 3 + 3 other parameters.
    const encoding = taskEncoding(spec, 8 * 8 * 5 + 5 + 5 * 3 + 3);
    expect(encoding.dimension).toBe(16 * 5 + 23);
    expect(layout.paramCount).toBe(encoding.paramCount(layout));
    expect(layout.valueBits).toBe(3);
    const bad = await hh(["fl:create-task", ...args, "--compress", "dct:9", "--participants", "1,2,3"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr + bad.stdout).toMatch(/dct keeps at most 8 frequencies/);
  });

  it("gives a new lenet task its default, lowrank:11 at 4-bit values, and today's codec with --compress none", async () => {
    const { hh } = hardhatTasks(() => devnet.url, dir);
    const args = [
      "--input-shape",
      "28x28x1",
      "--classes",
      "10",
      "--model",
      "lenet",
      "--participants",
      "1,2,3",
      "--json",
    ];
    const byDefault = await hh(["fl:create-task", ...args]);
    expect(byDefault.code, byDefault.stderr).toBe(0);
    const none = await hh(["fl:create-task", ...args, "--compress", "none"]);
    expect(none.code, none.stderr).toBe(0);
    const taskOf = (out: string) => onChainTask(lastJson(out).taskId);
    const compressed = await taskOf(byDefault.stdout);
    expect(specFromUri(compressed.config.modelURI).encoding).toEqual({
      kind: "lowrank",
      rank: 11,
      firstFactor: "downstream",
    });
    expect(layoutFromTask(compressed)).toMatchObject({ valueBits: 4, clip: 0.18 });
    const plain = await taskOf(none.stdout);
    expect(specFromUri(plain.config.modelURI).encoding).toBeUndefined();
    expect(layoutFromTask(plain)).toMatchObject({ valueBits: 16, clip: 1, paramCount: 61_706 });
    // The default sends at least 10x fewer words than today's codec for the same cohort.
    expect(layoutFromTask(compressed).wordCount * 10).toBeLessThan(layoutFromTask(plain).wordCount);
  });

  it("creates a task from published weights (--initial-weights): committed, saved by commitment for participants", async () => {
    const { hh } = hardhatTasks(() => devnet.url, dir);
    await initBackend("wasm", () => {});
    const given = getFlatWeights(buildModel({ ...MLP8, seed: 42 }));
    const file = path.join(dir, "pretrained.json");
    writeFileSync(file, JSON.stringify({ weights: Array.from(given) }));
    const models = path.join(dir, "owner-models");
    const args = [
      "--input-shape",
      "30",
      "--classes",
      "2",
      "--model",
      "mlp",
      "--hidden",
      "8",
      "--participants",
      "1,2,3",
    ];
    const created = await hh(["fl:create-task", ...args, "--initial-weights", file, "--model-dir", models, "--json"]);
    expect(created.code, created.stderr).toBe(0);
    const out = lastJson(created.stdout);
    const task = await onChainTask(out.taskId);
    const spec = specFromUri(task.config.modelURI);
    expect(spec.initialWeights).toBe("published");
    expect(task.config.modelHash).toBe(modelCommitment(spec, given));
    expect(out.initialModelFile).toBe(path.join(models, `${task.config.modelHash}.json`));
    const saved = (await new ModelDirectory(models).fetch(task.config.modelHash)) as ModelFile | undefined;
    expect(saved?.weights).toEqual(Array.from(given));
    const missing = await hh(["fl:create-task", ...args, "--initial-weights", path.join(dir, "nope.json")]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr + missing.stdout).toMatch(/nope\.json: not a readable JSON model file/);
  });

  it("creates a pca task from public records (--public-data): the basis saved by the digest the spec commits to", async () => {
    const { hh } = hardhatTasks(() => devnet.url, dir);
    const models = path.join(dir, "pca-models");
    const args = ["--dataset", "breast-cancer", "--model", "mlp", "--hidden", "8", "--participants", "1,2,3"];
    const created = await hh([
      "fl:create-task",
      ...args,
      "--compress",
      "pca:4",
      "--public-data",
      "breast-cancer",
      "--model-dir",
      models,
      "--json",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const out = lastJson(created.stdout);
    const spec = specFromUri((await onChainTask(out.taskId)).config.modelURI);
    expect(spec.encoding).toMatchObject({ kind: "pca", keep: 4, basis: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
    expect(out.inputBasisFile).toBe(path.join(models, `${spec.encoding!.basis}.json`));
    const inputBasis = await findInputBasis([new ModelDirectory(models)], spec.encoding!.basis!);
    const layout = layoutFromTask(await onChainTask(out.taskId));
    expect(layout.paramCount).toBe(taskEncoding(spec, 30 * 8 + 8 + 8 * 2 + 2, { inputBasis }).paramCount(layout));
    const without = await hh(["fl:create-task", ...args, "--compress", "pca:4"]);
    expect(without.code).not.toBe(0);
    expect(without.stderr + without.stdout).toMatch(
      /pca:4 takes its input basis from a public sample: add --public-data/,
    );
    const stray = await hh(["fl:create-task", ...args, "--public-data", "breast-cancer", "--compress", "hash:4"]);
    expect(stray.code).not.toBe(0);
    expect(stray.stderr + stray.stdout).toMatch(
      /--public-data is for the pca encoding, and --compress hash:4 is another/,
    );
    // Public records alone make pca the default, at the words rule's keep (1 direction for this 30 x 8 layer at
    // 3-bit values); at pca's default 4-bit values no keep fits this small model, so it keeps today's codec and says why.
    const byDefault = await hh([
      "fl:create-task",
      ...args,
      "--public-data",
      "breast-cancer",
      "--value-bits",
      "3",
      "--json",
    ]);
    expect(byDefault.code, byDefault.stderr).toBe(0);
    expect(lastJson(byDefault.stdout).encoding).toMatchObject({
      kind: "pca",
      keep: pcaKeepByWordsRule({ ...MLP8, seed: 1 }, 3),
    });
    const unfit = await hh(["fl:create-task", ...args, "--public-data", "breast-cancer", "--json"]);
    expect(unfit.code, unfit.stderr).toBe(0);
    expect(lastJson(unfit.stdout).encoding).toEqual({ kind: "quant" });
    expect(unfit.stderr).toMatch(
      /warning: no pca default for this model \(no pca keep sends a tenth of the 8-bit codec's words/,
    );
  });

  it("creates a task that freezes its first layers (--freeze), and names a count the model cannot take", async () => {
    const { hh } = hardhatTasks(() => devnet.url, dir);
    const args = ["--input-shape", "28x28x1", "--classes", "10", "--model", "lenet", "--participants", "1,2,3"];
    const created = await hh(["fl:create-task", ...args, "--freeze", "2", "--json"]);
    expect(created.code, created.stderr).toBe(0);
    const out = lastJson(created.stdout);
    expect(out).toMatchObject({ frozenLayers: 2, frozenParameters: 156 + 2416, parameters: 61_706 });
    const task = await onChainTask(out.taskId);
    const spec = specFromUri(task.config.modelURI);
    expect(spec.frozenLayers).toBe(2);
    const layout = layoutFromTask(task);
    expect(layout.paramCount).toBe(taskEncoding(spec, 61_706).paramCount(layout));
    const bad = await hh(["fl:create-task", ...args, "--freeze", "5"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr + bad.stdout).toMatch(/frozenLayers must be an integer in \[1, 4\]: this lenet has 5 layers/);
  });
});
