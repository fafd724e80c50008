// Node environment: ethers' sha256 (every model commitment) rejects jsdom's typed arrays, so the views that
// need no hashing are tested in global-model-view.test.tsx under jsdom.
import { beforeAll, describe, expect, it, vi } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { layoutOf } from "../../client/src/codec/layout";
import { decodeAggregate, encodeUpdate } from "../../client/src/codec/update";
import { getFlatWeights } from "../../client/src/ml/models";
import { applyDelta, initialModel } from "../../client/src/node/model";
import { modelCommitment, specToUri, type ModelSpec } from "../../client/src/protocol/modelSpec";
import type { RoundSnapshot, TaskSnapshot } from "../../web/src/chain";
import { decodeRound } from "../../web/src/decryption/decode";
import { nodeModelFile, parseNodeModelFile } from "../../web/src/model/files";
import { applyPlan, chainCommitmentAfter, planRebuild, settledRound } from "../../web/src/model/rebuild";
import {
  importStartingModel,
  needsModelMessage,
  planFromStore,
  rebuildFlow,
  rebuildLabels,
} from "../../web/src/model/rebuildFlow";
import { memoryStore, readVerified, saveModel, taskKey, type GlobalModel as Model } from "../../web/src/model/store";
import {
  endsInSoftmax,
  initialWeights,
  loadTf,
  modelWithWeights,
  tfjsFiles,
  withSoftmaxOutput,
} from "../../web/src/model/tfjs";
import { modelFilePrefix } from "../../web/src/views/GlobalModel";
import { Policy } from "../../client/src/protocol/vocabulary";
import type { StepStatus } from "../../web/src/progress";
import type { TaskEvent } from "../../client/src/chain/events";
import type { DecryptedAggregate } from "../../web/src/decryption/flows";
import type { WalletSigner } from "../../web/src/wallet/signer";

// The KMS and the handles are stubbed: handle "<round>:<word>" decrypts to that word of the round's lane sums.
const kms = vi.hoisted(() => ({ clear: (_handle: string): bigint => 0n, signatures: 0 }));
vi.mock("../../web/src/fhe", () => ({
  fhevmConnection: async () => ({ instance: {} }),
  prepareDecryption: async () => {},
}));
vi.mock("../../web/src/decryption/handles", () => ({
  readHandles: async (_reader: unknown, _task: bigint, round: number, count: number) =>
    Array.from({ length: count }, (_, i) => `${round}:${i}`),
}));
vi.mock("../../client/src/fhe/decrypt", () => ({
  userDecryptWords: async (
    _instance: unknown,
    signer: { signTypedData: (...a: unknown[]) => Promise<string> },
    _contract: string,
    handles: string[],
  ) => {
    await signer.signTypedData({}, {}, {});
    return handles.map((h) => kms.clear(h));
  },
  publicDecryptWords: async (_instance: unknown, handles: string[]) => [
    { values: handles.map((h) => kms.clear(h)), abiEncodedClearValues: "0x", decryptionProof: "0x" },
  ],
}));

const SPEC: ModelSpec = { kind: "mlp", inputShape: [4], hidden: [3], numClasses: 2, seed: 5 };
const init = initialModel(SPEC); // 4*3 + 3 + 3*2 + 2 = 23 parameters
const N = init.paramCount;
const LAYOUT = layoutOf(
  { valueBits: 8, laneBits: 12, wordsPerChunk: 2, paramCount: N, clip: 0.5, sampleCap: 0, weightFloor: 1 },
  4,
);
const CONTRIBUTORS = Array<number>(LAYOUT.chunkCount).fill(2);
const update = (seed: number) => Float64Array.from({ length: N }, (_, i) => ((i * 7 + seed * 13) % 11) / 100 - 0.05);
/** A round's lane sums: two participants' encoded updates added word by word, as the contract does. */
const wordsOf = (seed: number): bigint[] => {
  const [a, b] = [encodeUpdate(update(seed), LAYOUT).flat(), encodeUpdate(update(seed + 50), LAYOUT).flat()];
  return a.map((w, i) => w + b[i]);
};
/** The averaged delta the nodes apply for round words `wordsOf(seed)`. */
const delta = (seed: number) => decodeAggregate(wordsOf(seed), CONTRIBUTORS, LAYOUT);
const after1 = applyDelta(init.weights, delta(1));
const after2 = applyDelta(after1, delta(2));
const C0 = init.modelHash;
const C1 = modelCommitment(SPEC, after1);
const C2 = modelCommitment(SPEC, after2);
const KEY = taskKey(31337, "0xAbC0000000000000000000000000000000000001", 1n);

const round = (n: number, state: RoundSnapshot["state"], globalModelHash: string): RoundSnapshot => ({
  round: n,
  state,
  openedAt: 0,
  deadline: 0,
  eligible: 2,
  completed: 2,
  chunksAtQuorum: 1,
  publishedBatches: 0,
  globalModelHash,
  contributors: CONTRIBUTORS,
});

const task = (rounds: RoundSnapshot[]): TaskSnapshot => ({
  id: 1n,
  owner: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  modelHash: C0,
  modelURI: specToUri(SPEC),
  layout: LAYOUT,
  minCohort: 2,
  maxCohort: 4,
  rounds: 3,
  roundDuration: 3600,
  policy: Policy.Participants,
  currentRound: rounds.length,
  participantsNextRound: 2,
  participants: [],
  roundInfos: rounds,
});

const model = (weights: Float32Array, afterRound: number): Model => ({
  commitment: modelCommitment(SPEC, weights),
  spec: SPEC,
  weights,
  afterRound,
});

describe("planning the rebuild (pure)", () => {
  it("targets the last revealed or failed round; the chain names each model after a round once the next opened", () => {
    expect(settledRound(task([]))).toBe(0);
    expect(settledRound(task([round(1, "Open", C0)]))).toBe(0);
    expect(settledRound(task([round(1, "Revealed", C0)]))).toBe(1);
    expect(settledRound(task([round(1, "Revealed", C0), round(2, "Closed", C1)]))).toBe(1);
    const t = task([round(1, "Revealed", C0), round(2, "Failed", C1)]);
    expect(settledRound(t)).toBe(2);
    expect([0, 1, 2].map((j) => chainCommitmentAfter(t, j))).toEqual([C0, C1, undefined]);
  });

  it("with nothing stored: builds the initial model and decrypts every revealed round", () => {
    const t = task([round(1, "Revealed", C0), round(2, "Failed", C1), round(3, "Revealed", C1)]);
    expect(planRebuild(t, [], new Set())).toEqual({
      target: 3,
      from: 0,
      fromCommitment: C0,
      buildInitial: true,
      decrypt: [1, 3],
    });
  });

  it("asks for the initial model file when the task starts from published weights, instead of building it", () => {
    const t = task([round(1, "Revealed", C0), round(2, "Revealed", C1)]);
    const published = planRebuild(t, [], new Set(), undefined, false, true);
    expect(published).toMatchObject({ from: 0, buildInitial: false, needsModel: { afterRound: 0, commitment: C0 } });
    expect(needsModelMessage(published.needsModel!)).toMatch(
      /this task starts from published weights, not from its spec's seed: load its initial model file/,
    );
    // Once loaded (verified), the plan starts from it and decrypts every round.
    expect(planRebuild(t, [], new Set([C0]), undefined, false, true)).toEqual({
      target: 2,
      from: 0,
      fromCommitment: C0,
      buildInitial: false,
      decrypt: [1, 2],
    });
    // A tracking encoding starting after round 1 needs the initial model too: asked for, not built.
    const good = [{ task: KEY, afterRound: 1, commitment: C1, parent: C0 }];
    expect(planRebuild(t, good, new Set([C1]), undefined, true, true)).toMatchObject({
      from: 1,
      needsModel: { afterRound: 0, commitment: C0, previous: true },
    });
    expect(planRebuild(t, good, new Set([C1]), undefined, true, false)).toMatchObject({
      from: 1,
      previous: { afterRound: 0, commitment: C0, build: true },
    });
  });

  it("starts from the newest verified model; a lineage record counts only if its parent is the chain's", () => {
    const t = task([round(1, "Revealed", C0), round(2, "Revealed", C1)]);
    const good = [{ task: KEY, afterRound: 2, commitment: C2, parent: C1 }];
    expect(planRebuild(t, good, new Set([C1, C2]))).toMatchObject({ from: 2, decrypt: [], buildInitial: false });
    const forged = [{ task: KEY, afterRound: 2, commitment: C2, parent: "0x" + "99".repeat(32) }];
    expect(planRebuild(t, forged, new Set([C1, C2]))).toMatchObject({ from: 1, fromCommitment: C1, decrypt: [2] });
    expect(planRebuild(t, good, new Set([C0]))).toMatchObject({ from: 0, buildInitial: false, decrypt: [1, 2] });
  });

  it("a late joiner starts from its first round's committed model: it must load it, then decrypts only its rounds", async () => {
    const t = task([round(1, "Revealed", C0), round(2, "Revealed", C1)]);
    const joinedAt2 = (r: number) => r >= 2;
    expect(planRebuild(t, [], new Set(), joinedAt2)).toMatchObject({
      from: 1,
      fromCommitment: C1,
      decrypt: [2],
      buildInitial: false,
      needsModel: { afterRound: 1, commitment: C1 },
    });
    // A newer model kept in this browser is still the better start.
    expect(planRebuild(t, [], new Set([C1]), joinedAt2)).toMatchObject({ from: 1, decrypt: [2] });
    expect(planRebuild(t, [], new Set([C1]), joinedAt2).needsModel).toBeUndefined();
    // Added for round 3, before it opens: no committed model to load yet.
    expect(planRebuild(t, [], new Set(), (r) => r >= 3)).toMatchObject({ needsModel: { afterRound: 2 } });

    // Loading the model file: only the commitment round 2 opened with is accepted.
    const store = memoryStore();
    const needs = { afterRound: 1, commitment: C1 };
    const file = (m: Model) => JSON.stringify(nodeModelFile(m, 1n).json);
    await expect(importStartingModel(store, KEY, needs, file(model(after2, 2)), "wrong.json")).rejects.toThrow(
      /wrong\.json holds the model .* but round 2 opened with/,
    );
    await expect(importStartingModel(store, KEY, needs, "{", "broken.json")).rejects.toThrow(/is not JSON/);
    await importStartingModel(store, KEY, needs, file(model(after1, 1)), "round-2.json");
    const plan = await planFromStore(t, SPEC, store, KEY, joinedAt2);
    expect(plan).toMatchObject({ from: 1, fromCommitment: C1, decrypt: [2] });
    expect(plan.needsModel).toBeUndefined();
  });

  it("a task from published weights: the page asks for the initial model file, checks it, then starts from it", async () => {
    const spec: ModelSpec = { ...SPEC, initialWeights: "published" };
    const given = Float32Array.from({ length: N }, (_, i) => Math.cos(i) / 3);
    const c0 = modelCommitment(spec, given);
    const t = { ...task([round(1, "Revealed", c0)]), modelHash: c0 };
    const store = memoryStore();
    const first = await planFromStore(t, spec, store, KEY);
    expect(first.needsModel).toEqual({ afterRound: 0, commitment: c0 });
    const file = (weights: Float32Array) =>
      JSON.stringify(
        nodeModelFile({ spec, weights, commitment: modelCommitment(spec, weights), afterRound: 0 }, 1n).json,
      );
    // The seed's model is not the task's: refused.
    await expect(importStartingModel(store, KEY, first.needsModel!, file(init.weights), "seeded.json")).rejects.toThrow(
      /seeded\.json holds the model .* but round 1 opened with/,
    );
    await importStartingModel(store, KEY, first.needsModel!, file(given), "initial.json");
    expect(await planFromStore(t, spec, store, KEY)).toEqual({
      target: 1,
      from: 0,
      fromCommitment: c0,
      buildInitial: false,
      decrypt: [1],
    });
  });

  it("a failed last round leaves the model unchanged: nothing to decrypt when the one before is kept", () => {
    const t = task([round(1, "Revealed", C0), round(2, "Failed", C1)]);
    expect(planRebuild(t, [], new Set([C1]))).toMatchObject({ target: 2, from: 2, fromCommitment: C1, decrypt: [] });
  });

  it("applies the averages as the nodes do and checks each model against the commitment its successor opened with", () => {
    const t = task([round(1, "Revealed", C0), round(2, "Revealed", C1)]);
    const plan = planRebuild(t, [], new Set());
    const averages = new Map([
      [1, delta(1)],
      [2, delta(2)],
    ]);
    const { model: m, steps } = applyPlan(t, SPEC, plan, init.weights, averages);
    expect(m.commitment).toBe(C2);
    expect(steps.map((s) => [s.model.afterRound, s.model.commitment, s.parent])).toEqual([
      [1, C1, C0],
      [2, C2, C1],
    ]);
    const wrong = new Map([...averages, [1, delta(9)]]);
    expect(() => applyPlan(t, SPEC, plan, init.weights, wrong)).toThrow(/round 2 opened with/);
    expect(() => applyPlan(t, SPEC, plan, init.weights, new Map([[1, delta(1)]]))).toThrow(/round 2's aggregate/);
  });
});

describe("the browser's model store", () => {
  it("returns a model only if it hashes to its commitment with the spec; a bad record is dropped", async () => {
    const store = memoryStore();
    await saveModel(store, KEY, model(after1, 1), C0);
    expect(await readVerified(store, C1, SPEC)).toEqual(after1);
    expect(await readVerified(store, C1, { ...SPEC, seed: 6 })).toBeUndefined();
    expect(await store.getModel(C1)).toBeUndefined(); // deleted after failing
    const tampered = Float32Array.from(after1);
    tampered[0] += 1;
    await store.putModel({ commitment: C2, spec: SPEC, weights: tampered, savedAt: 0 });
    expect(await readVerified(store, C2, SPEC)).toBeUndefined();
  });

  it("plans from the store, skipping a start that fails its check", async () => {
    const store = memoryStore();
    const t = task([round(1, "Revealed", C0), round(2, "Revealed", C1)]);
    await saveModel(store, KEY, model(init.weights, 0), undefined);
    await saveModel(store, KEY, model(after1, 1), C0);
    await store.putLineage({ task: KEY, afterRound: 2, commitment: C2, parent: C1 });
    await store.putModel({ commitment: C2, spec: SPEC, weights: after1, savedAt: 0 }); // wrong weights
    expect(await planFromStore(t, SPEC, store, KEY)).toMatchObject({ from: 1, decrypt: [2], buildInitial: false });
  });
});

function reporter() {
  const log: [number, StepStatus][] = [];
  return { log, report: (i: number, s: StepStatus) => void log.push([i, s]) };
}

describe("the rebuild flow", () => {
  it("decodes a round with the task's encoding and the round's public context, as the nodes do", () => {
    const t = task([round(1, "Revealed", C0)]);
    expect(decodeRound(t, SPEC, N, 1, wordsOf(1))).toEqual(delta(1));
    const withEncoding = { ...SPEC, encoding: { kind: "quant" as const } };
    expect(decodeRound(t, withEncoding, N, 1, wordsOf(1))).toEqual(delta(1));
    expect(() => decodeRound(t, SPEC, N + 1, 1, wordsOf(1))).toThrow(/parameters/);
  });

  const ctx = (t: TaskSnapshot, store = memoryStore(), decrypted = new Map<number, DecryptedAggregate>()) => ({
    deployment: { chainId: 31337, aggregator: "0xAbC0000000000000000000000000000000000001" },
    provider: undefined as never,
    task: t,
    spec: SPEC,
    events: [],
    store,
    taskKey: KEY,
    decrypted,
    buildInitial: async () => Float32Array.from(init.weights),
  });

  it("names its steps after the plan and the task's policy", () => {
    const plan = { target: 2, from: 0, fromCommitment: C0, buildInitial: true, decrypt: [1, 2] };
    expect(rebuildLabels(plan, [1, 2], Policy.Participants)).toEqual([
      "Build the initial model from the task's spec (TensorFlow.js, seeded)",
      "Grant this account access to rounds 1, 2",
      "Sign one EIP-712 user-decryption request",
      "Decrypt rounds 1, 2 through the KMS",
      "Apply the averaged update(s) up to round 2 and check them against the chain",
      "Keep the model(s) in this browser",
    ]);
    expect(rebuildLabels({ ...plan, buildInitial: false, from: 2, decrypt: [] }, [], Policy.Public)).toEqual([
      "Read the model after round 2 from this browser",
      "Check the model against the chain's commitment",
      "Keep the model(s) in this browser",
    ]);
  });

  it("rebuilds from lane sums decrypted in the page (no wallet), keeps every model, and the next visit starts from it", async () => {
    const t = task([round(1, "Revealed", C0), round(2, "Revealed", C1)]);
    const store = memoryStore();
    const decrypted = new Map([
      [1, { words: wordsOf(1) }],
      [2, { words: wordsOf(2) }],
    ]);
    const plan = await planFromStore(t, SPEC, store, KEY);
    const { log, report } = reporter();
    const m = await rebuildFlow(ctx(t, store, decrypted), plan, undefined).run(report);
    expect(m.commitment).toBe(C2);
    expect(log.filter(([, s]) => s === "done").map(([i]) => i)).toEqual([0, 1, 2]);
    expect((await store.lineage(KEY)).map((r) => [r.afterRound, r.commitment])).toEqual([
      [0, C0],
      [1, C1],
      [2, C2],
    ]);
    expect(await planFromStore(t, SPEC, store, KEY)).toMatchObject({ from: 2, decrypt: [] });
  });

  const ME = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  /** Every word of `rounds` granted to ME (PARTICIPANTS) or made public (PUBLIC): no transaction needed. */
  const materialised = (policy: number, rounds: number[]): TaskEvent[] =>
    rounds.map((r) => ({
      name: policy === Policy.Public ? "AggregateMadePublic" : "AggregateAccessGranted",
      round: r,
      args: { account: ME, fromWord: "0", count: String(LAYOUT.wordCount) },
      blockNumber: 1,
      txHash: "0x" + "00".repeat(32),
      logIndex: r,
    }));
  const wallet: () => Promise<WalletSigner> = async () =>
    ({
      signer: {
        getAddress: async () => ME,
        signTypedData: async () => {
          kms.signatures++;
          return "0x";
        },
      },
      eip1193: {},
    }) as unknown as WalletSigner;

  it("hands every round it decrypts to the visit's other panels (PARTICIPANTS: one signature for all)", async () => {
    kms.clear = (h) => wordsOf(Number(h.split(":")[0]))[Number(h.split(":")[1])];
    kms.signatures = 0;
    for (const policy of [Policy.Participants, Policy.Public]) {
      const t = { ...task([round(1, "Revealed", C0), round(2, "Revealed", C1)]), policy };
      const store = memoryStore();
      const kept = new Map<number, DecryptedAggregate>();
      const plan = await planFromStore(t, SPEC, store, KEY);
      const flow = rebuildFlow(
        { ...ctx(t, store), events: materialised(policy, [1, 2]), keep: (r, a) => kept.set(r, a) },
        plan,
        policy === Policy.Public ? undefined : wallet,
      );
      expect((await flow.run(() => {})).commitment).toBe(C2);
      expect([...kept.keys()]).toEqual([1, 2]);
      for (const r of [1, 2]) {
        expect(kept.get(r)?.words).toEqual(wordsOf(r));
        // PUBLIC: with the KMS proofs, so the round aggregates panel can post them without decrypting again.
        expect(kept.get(r)?.publicBatches?.flatMap((b) => b.values)).toEqual(
          policy === Policy.Public ? wordsOf(r) : undefined,
        );
      }
    }
    expect(kms.signatures).toBe(1);
  });

  it("refuses to decrypt without a wallet", async () => {
    const t = task([round(1, "Revealed", C0)]);
    const plan = await planFromStore(t, SPEC, memoryStore(), KEY);
    await expect(rebuildFlow(ctx(t), plan, undefined).run(() => {})).rejects.toThrow(/connect the wallet/);
  });
});

describe("tfjs in the page (cpu backend)", () => {
  beforeAll(async () => {
    await loadTf();
  });

  it("builds the spec's initial weights bit for bit as the nodes do", async () => {
    expect(tf.getBackend()).toBe("cpu");
    const weights = await initialWeights(SPEC);
    expect(modelCommitment(SPEC, weights)).toBe(C0);
  });

  it("exports model.json + weights that tf.loadLayersModel loads back to the same weights", async () => {
    const files = await tfjsFiles(SPEC, after2, modelFilePrefix(7n, 2), { flufhe: { commitment: C2 } });
    expect([files.jsonName, files.binName]).toEqual([
      "flufhe-task7-after-round2.json",
      "flufhe-task7-after-round2.weights.bin",
    ]);
    const json = JSON.parse(files.json);
    expect(json.weightsManifest[0].paths).toEqual(["./flufhe-task7-after-round2.weights.bin"]);
    expect(json.userDefinedMetadata).toEqual({ flufhe: { commitment: C2 } });
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: files.bin,
      }),
    );
    expect(modelCommitment(SPEC, getFlatWeights(loaded))).toBe(C2);
    loaded.dispose();
  });

  it("exports a classifier whose predictions are class probabilities (softmax of the nodes' logits)", async () => {
    const files = await tfjsFiles(SPEC, after2, "m", {});
    const json = JSON.parse(files.json);
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: files.bin,
      }),
    );
    const nodes = await modelWithWeights(SPEC, after2);
    const x = tf.randomNormal([5, ...SPEC.inputShape], 0, 1, "float32", 3);
    const probabilities = loaded.predict(x) as tf.Tensor;
    const rows = (await probabilities.sum(1).array()) as number[];
    for (const r of rows) expect(r).toBeCloseTo(1, 5);
    const expected = tf.softmax(nodes.predict(x) as tf.Tensor);
    expect(tf.max(tf.abs(tf.sub(probabilities, expected))).dataSync()[0]).toBeLessThan(1e-6);
    expect(endsInSoftmax(loaded)).toBe(true);
    expect(endsInSoftmax(nodes)).toBe(false);
    expect(() => withSoftmaxOutput({ class_name: "Sequential", config: { layers: [] } })).toThrow(/dense layer/);
    for (const t of [x, probabilities, expected]) t.dispose();
    loaded.dispose();
    nodes.dispose();
  });
});

describe("the nodes' model file", () => {
  it("is <commitment>.json with {spec, commitment, weights, task, round}, and a tampered one is refused", () => {
    const { filename, json } = nodeModelFile(model(after1, 1), 3n);
    expect(filename).toBe(`${C1}.json`);
    expect(json).toMatchObject({ spec: SPEC, commitment: C1, task: "3", round: 1 });
    expect(parseNodeModelFile(JSON.parse(JSON.stringify(json)), "m.json").commitment).toBe(C1);
    const bad = { ...json, weights: json.weights.map((w, i) => (i === 0 ? w + 1 : w)) };
    expect(() => parseNodeModelFile(bad, "m.json")).toThrow(/do not hash to the commitment/);
    expect(() => parseNodeModelFile({ modelTopology: {} }, "x.json")).toThrow(/not a FLuFHE model file/);
  });
});
