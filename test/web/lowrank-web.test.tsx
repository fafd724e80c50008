// Node environment: ethers' sha256 (every model commitment) rejects jsdom's typed arrays.
// The web app on a lowrank task: the rebuild, the decrypt panel and the participant page decode and
// encode round k with W_k - W_(k-1), exactly as the nodes do.
import { describe, expect, it, vi } from "vitest";
import { layoutOf, type Layout } from "../../client/src/codec/layout";
import { modelChange, seededStream, type RoundContext } from "../../client/src/codec/sharedSeed";
import { taskEncoding } from "../../client/src/node/encoding";
import { applyDelta } from "../../client/src/node/model";
import { modelCommitment, specToUri, type ModelSpec } from "../../client/src/protocol/modelSpec";
import { taskSettings } from "../../client/src/protocol/taskChoices";
import { Policy } from "../../client/src/protocol/vocabulary";
import { weightShapes } from "../../client/src/protocol/weightShapes";
import type { RoundSnapshot, TaskSnapshot } from "../../web/src/chain";
import { decodeRound, decodeTaskRound, tracksModelChange } from "../../web/src/decryption/decode";
import {
  decodeDecrypted,
  publicDecryption,
  userDecryption,
  type DecryptedAggregate,
} from "../../web/src/decryption/flows";
import { nodeModelFile } from "../../web/src/model/files";
import { applyPlan, planRebuild, type RoundAverage } from "../../web/src/model/rebuild";
import {
  importStartingModel,
  needsModelMessage,
  planFromStore,
  rebuildFlow,
  rebuildLabels,
} from "../../web/src/model/rebuildFlow";
import { memoryStore, readVerified, saveModel, taskKey, type ModelStore } from "../../web/src/model/store";
import {
  NODE_DEFAULTS,
  preparedUpdate,
  roundModelChange,
  type RoundInput,
} from "../../web/src/participate/roundUpdate";
import type { TrainRequest } from "../../web/src/participate/trainProtocol";
import { fourRecords, participantIdentity, steppedTraining } from "./participantStubs";
import { loadParticipation, memoryParticipationStore } from "../../web/src/participate/updateStore";

// Nothing here may reach the KMS: a decryption that got that far is a failed test.
vi.mock("../../web/src/fhe", () => ({
  fhevmConnection: async () => {
    throw new Error("the KMS was asked");
  },
  prepareDecryption: async () => {},
}));

const SPEC: ModelSpec = {
  kind: "mlp",
  inputShape: [12],
  numClasses: 3,
  hidden: [8],
  seed: 1,
  encoding: { kind: "lowrank", rank: 1 },
};
/** The same task with the downstream start: round 1 also reads the model it opened with. */
const PRIMED_SPEC: ModelSpec = { ...SPEC, encoding: { kind: "lowrank", rank: 1, firstFactor: "downstream" } };
/** 12 x 8 + 8 + 8 x 3 + 3 = 131 parameters; both kernels are compressed at rank 1. */
const D = weightShapes(SPEC).reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
const ENCODING = taskEncoding(SPEC, D);
const LAYOUT: Layout = layoutOf(taskSettings(D, { maxCohort: 4 }, ENCODING).codec, 4);
const CONTRIBUTORS = Array<number>(LAYOUT.chunkCount).fill(2);
const TASK_ID = 7n;
const KEY = taskKey(31337, "0xAbC0000000000000000000000000000000000001", TASK_ID);

/** The task's initial model (any weights: the flow's builder is injected, and the task commits to them). */
const W1 = Float32Array.from({ length: D }, (_, i) => Math.sin(i + 1) / 4);
const update = (seed: number) => Float64Array.from({ length: D }, (_, i) => (((i * 7 + seed * 13) % 11) - 5) / 60);

/**
 * A task's history as the nodes live it: round k opens with W_k; its two participants encode with
 * ctx.modelChange = W_k - W_(k-1) (none in round 1), the contract sums their words, and every node
 * decodes the sums with the same context and applies the average (a failed round changes nothing).
 */
function history(states: RoundSnapshot["state"][], spec: ModelSpec = SPEC) {
  const encoding = taskEncoding(spec, D);
  const opened: Float32Array[] = [W1]; // opened[k - 1] = W_k
  const words = new Map<number, bigint[]>();
  const averages = new Map<number, Float64Array>();
  const rounds: RoundSnapshot[] = [];
  states.forEach((state, i) => {
    const k = i + 1;
    const current = opened[i];
    const ctx: RoundContext = {
      taskId: TASK_ID,
      round: k,
      globalModelHash: modelCommitment(spec, current),
      modelChange: k > 1 ? modelChange(opened[i - 1], current) : undefined,
      model: current,
    };
    rounds.push(roundSnapshot(k, state, ctx.globalModelHash));
    if (state !== "Revealed") return void opened.push(current);
    const encode = (seed: number) =>
      encoding
        .encode({
          delta: update(seed + k),
          layout: LAYOUT,
          ctx,
          dither: seededStream(ctx.globalModelHash, `dither${seed}`),
        })
        .chunks.flat();
    const [a, b] = [encode(1), encode(2)];
    words.set(
      k,
      a.map((w, j) => w + b[j]),
    );
    averages.set(k, taskEncoding(spec, D).decode(words.get(k)!, CONTRIBUTORS, LAYOUT, ctx));
    opened.push(applyDelta(current, averages.get(k)!));
  });
  const commitments = opened.map((w) => modelCommitment(spec, w)); // commitments[j] = after round j
  const task: TaskSnapshot = {
    id: TASK_ID,
    owner: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    modelHash: commitments[0],
    modelURI: specToUri(spec),
    layout: LAYOUT,
    minCohort: 2,
    maxCohort: 4,
    rounds: states.length,
    roundDuration: 3600,
    policy: Policy.Participants,
    currentRound: states.length,
    participantsNextRound: 2,
    participants: [],
    roundInfos: rounds,
  };
  /** The model after round j, as the nodes computed it. */
  const after = (j: number) => ({ weights: opened[j], commitment: commitments[j] });
  const decrypted = new Map<number, DecryptedAggregate>([...words].map(([k, w]) => [k, { words: w }]));
  return { task, words, averages, after, decrypted, spec };
}

function roundSnapshot(round: number, state: RoundSnapshot["state"], globalModelHash: string): RoundSnapshot {
  return {
    round,
    state,
    openedAt: 0,
    deadline: 0,
    eligible: 2,
    completed: 2,
    chunksAtQuorum: LAYOUT.chunkCount,
    publishedBatches: 0,
    globalModelHash,
    contributors: CONTRIBUTORS,
  };
}

const THREE = history(["Revealed", "Revealed", "Revealed"]);
const PRIMED = history(["Revealed", "Revealed", "Revealed"], PRIMED_SPEC);

/** Keeps the nodes' model after round j in a store, as a rebuild or an imported model file does. */
async function keep(store: ModelStore, h: ReturnType<typeof history>, ...rounds: number[]) {
  for (const j of rounds) {
    const { weights, commitment } = h.after(j);
    await saveModel(store, KEY, { commitment, spec: h.spec, weights, afterRound: j }, undefined);
  }
  return store;
}

const rebuildCtx = (h: ReturnType<typeof history>, store: ModelStore, built: Float32Array[] = []) => ({
  deployment: { chainId: 31337, aggregator: "0xAbC0000000000000000000000000000000000001" },
  provider: undefined as never,
  task: h.task,
  spec: h.spec,
  events: [],
  store,
  taskKey: KEY,
  decrypted: h.decrypted,
  buildInitial: async () => {
    const w = Float32Array.from(W1);
    built.push(w);
    return w;
  },
});

describe("lowrank in the page's global-model rebuild", () => {
  it("is a tracking encoding, and a round after the first does not decode without the model change", () => {
    expect(tracksModelChange(SPEC)).toBe(true);
    expect(tracksModelChange({ ...SPEC, encoding: { kind: "hash", ratio: 4 } })).toBe(false);
    expect(tracksModelChange({ ...SPEC, encoding: undefined })).toBe(false);
    expect(decodeRound(THREE.task, SPEC, D, 1, THREE.words.get(1)!)).toEqual(THREE.averages.get(1));
    expect(() => decodeRound(THREE.task, SPEC, D, 2, THREE.words.get(2)!)).toThrow(/needs round 1's model/);
  });

  it("applyPlan decodes round by round with the models each round and the one before opened with", () => {
    const plan = planRebuild(THREE.task, [], new Set(), undefined, true);
    expect(plan).toMatchObject({ from: 0, buildInitial: true, decrypt: [1, 2, 3] });
    expect(plan.previous).toBeUndefined();
    const seen: [number, string, string | undefined][] = [];
    const average: RoundAverage = (round, { current, previous }) => {
      seen.push([round, modelCommitment(SPEC, current), previous && modelCommitment(SPEC, previous)]);
      return decodeRound(THREE.task, SPEC, D, round, THREE.words.get(round)!, { current, previous });
    };
    const { model } = applyPlan(THREE.task, SPEC, plan, W1, average);
    expect(model.weights).toEqual(THREE.after(3).weights);
    expect(model.commitment).toBe(THREE.after(3).commitment);
    const c = (j: number) => THREE.after(j).commitment;
    expect(seen).toEqual([
      [1, c(0), undefined],
      [2, c(1), c(0)],
      [3, c(2), c(1)],
    ]);
  });

  it.each([
    ["random first factors", THREE],
    ["the downstream start", PRIMED],
  ])("rebuilds from nothing bit for bit as the nodes decode, and keeps every model (%s)", async (_, h) => {
    const store = memoryStore();
    const plan = await planFromStore(h.task, h.spec, store, KEY);
    const m = await rebuildFlow(rebuildCtx(h, store), plan, undefined).run(() => {});
    expect(m.weights).toEqual(h.after(3).weights);
    expect(m.commitment).toBe(h.after(3).commitment); // the hash of the float32 bytes: bit for bit
    for (const j of [0, 1, 2, 3]) expect(await readVerified(store, h.after(j).commitment, h.spec)).toBeDefined();
  });

  it("with the downstream start, decodes round 1 only with the model it opened with", () => {
    const words = PRIMED.words.get(1)!;
    expect(decodeRound(PRIMED.task, PRIMED_SPEC, D, 1, words, { current: W1 })).toEqual(PRIMED.averages.get(1));
    expect(() => decodeRound(PRIMED.task, PRIMED_SPEC, D, 1, words)).toThrow(/lowrank:1 needs round 1's model/);
    // Its first factors follow the model: the random start reads the same words as another update.
    expect(decodeRound(PRIMED.task, SPEC, D, 1, words)).not.toEqual(PRIMED.averages.get(1));
  });

  it("starts later only where the model before the start is held too (the initial model is rebuilt)", async () => {
    const c = (j: number) => THREE.after(j).commitment;
    // Round 2's model alone: a quant task starts there, a lowrank one cannot decode round 3 from it.
    expect(planRebuild(THREE.task, [], new Set([c(2)]))).toMatchObject({ from: 2, decrypt: [3] });
    expect(planRebuild(THREE.task, [], new Set([c(2)]), undefined, true)).toMatchObject({
      from: 0,
      buildInitial: true,
      decrypt: [1, 2, 3],
    });
    expect(planRebuild(THREE.task, [], new Set([c(1), c(2)]), undefined, true)).toMatchObject({
      from: 2,
      decrypt: [3],
      previous: { afterRound: 1, commitment: c(1), build: false },
    });
    // After round 1: the model before it is the initial one, built from the spec.
    expect(planRebuild(THREE.task, [], new Set([c(1)]), undefined, true)).toMatchObject({
      from: 1,
      decrypt: [2, 3],
      previous: { afterRound: 0, commitment: c(0), build: true },
    });
    // The target itself (a lineage record names it) needs its predecessor too: the next round trains with their change.
    const lineage = [{ task: KEY, afterRound: 3, commitment: c(3), parent: c(2) }];
    expect(planRebuild(THREE.task, lineage, new Set([c(3)]))).toMatchObject({ from: 3, decrypt: [] });
    expect(planRebuild(THREE.task, lineage, new Set([c(3)]), undefined, true)).toMatchObject({ from: 0 });
    expect(planRebuild(THREE.task, lineage, new Set([c(2), c(3)]), undefined, true)).toMatchObject({
      from: 3,
      decrypt: [],
      previous: { afterRound: 2, commitment: c(2) },
    });
  });

  it("rebuilds from a stored start with the model before it, read or built, bit for bit", async () => {
    const fromTwo = await keep(memoryStore(), THREE, 1, 2);
    const plan = await planFromStore(THREE.task, SPEC, fromTwo, KEY);
    expect(plan).toMatchObject({ from: 2, decrypt: [3], previous: { afterRound: 1, build: false } });
    expect(rebuildLabels(plan, [], Policy.Participants)[0]).toBe(
      "Read the models after round 1 and round 2 from this browser",
    );
    expect((await rebuildFlow(rebuildCtx(THREE, fromTwo), plan, undefined).run(() => {})).weights).toEqual(
      THREE.after(3).weights,
    );

    const fromOne = await keep(memoryStore(), THREE, 1);
    const built: Float32Array[] = [];
    const planOne = await planFromStore(THREE.task, SPEC, fromOne, KEY);
    expect(planOne).toMatchObject({ from: 1, decrypt: [2, 3], previous: { afterRound: 0, build: true } });
    const m = await rebuildFlow(rebuildCtx(THREE, fromOne, built), planOne, undefined).run(() => {});
    expect(m.weights).toEqual(THREE.after(3).weights);
    expect(built).toHaveLength(1); // the initial model, as round 2's predecessor, and kept since
    expect(await readVerified(fromOne, THREE.after(0).commitment, SPEC)).toEqual(W1);
  });

  it("replans when the stored model before the start fails its check", async () => {
    const store = await keep(memoryStore(), THREE, 2);
    // Round 1's model filed with other weights: dropped, and the plan starts from scratch.
    await store.putModel({ commitment: THREE.after(1).commitment, spec: SPEC, weights: W1, savedAt: 0 });
    await store.putLineage({ task: KEY, afterRound: 1, commitment: THREE.after(1).commitment });
    expect(await planFromStore(THREE.task, SPEC, store, KEY)).toMatchObject({ from: 0, buildInitial: true });
    expect(await store.getModel(THREE.after(1).commitment)).toBeUndefined();
  });

  it("after a failed round decodes the next with a zero change, as the nodes do", async () => {
    const h = history(["Revealed", "Failed", "Revealed"]);
    expect(h.task.roundInfos[2].globalModelHash).toBe(h.task.roundInfos[1].globalModelHash);
    const store = memoryStore();
    const m = await rebuildFlow(rebuildCtx(h, store), await planFromStore(h.task, SPEC, store, KEY), undefined).run(
      () => {},
    );
    expect(m.weights).toEqual(h.after(3).weights);
    // From the model after the failed round: the one before it is the same model.
    const later = await keep(memoryStore(), h, 1, 2);
    const plan = await planFromStore(h.task, SPEC, later, KEY);
    expect(plan).toMatchObject({ from: 2, decrypt: [3], previous: { afterRound: 1, commitment: plan.fromCommitment } });
    expect((await rebuildFlow(rebuildCtx(h, later), plan, undefined).run(() => {})).weights).toEqual(
      h.after(3).weights,
    );
  });
});

describe("a late joiner of a lowrank task", () => {
  const joinedAt3 = (r: number) => r >= 3;
  const file = (j: number) => {
    const { weights, commitment } = THREE.after(j);
    return JSON.stringify(nodeModelFile({ commitment, spec: SPEC, weights, afterRound: j }, TASK_ID).json);
  };

  it("loads its first round's model, then the one before it, and rebuilds bit for bit", async () => {
    const store = memoryStore();
    const first = await planFromStore(THREE.task, SPEC, store, KEY, joinedAt3);
    expect(first.needsModel).toEqual({ afterRound: 2, commitment: THREE.after(2).commitment });
    await importStartingModel(store, KEY, first.needsModel!, file(2), "round-3.json");

    const second = await planFromStore(THREE.task, SPEC, store, KEY, joinedAt3);
    expect(second.needsModel).toEqual({ afterRound: 1, commitment: THREE.after(1).commitment, previous: true });
    const message = needsModelMessage(second.needsModel!);
    expect(message).toMatch(/took no part in round 2 and may not decrypt it/);
    expect(message).toMatch(/load the model file of round 2 too \(0x/);
    expect(message).toMatch(/--models/);
    await expect(rebuildFlow(rebuildCtx(THREE, store), second, undefined).run(() => {})).rejects.toThrow(
      /load the model file of round 2 too/,
    );
    await expect(importStartingModel(store, KEY, second.needsModel!, file(2), "round-3.json")).rejects.toThrow(
      /but round 2 opened with/,
    );
    await importStartingModel(store, KEY, second.needsModel!, file(1), "round-2.json");

    const plan = await planFromStore(THREE.task, SPEC, store, KEY, joinedAt3);
    expect(plan).toMatchObject({ from: 2, decrypt: [3], previous: { afterRound: 1, build: false } });
    expect(plan.needsModel).toBeUndefined();
    const m = await rebuildFlow(rebuildCtx(THREE, store), plan, undefined).run(() => {});
    expect(m.weights).toEqual(THREE.after(3).weights);
  });

  it("joined in round 2: the model before its first round is the initial one, built from the spec", async () => {
    const store = memoryStore();
    const joinedAt2 = (r: number) => r >= 2;
    const needs = (await planFromStore(THREE.task, SPEC, store, KEY, joinedAt2)).needsModel!;
    await importStartingModel(store, KEY, needs, file(1), "round-2.json");
    const plan = await planFromStore(THREE.task, SPEC, store, KEY, joinedAt2);
    expect(plan).toMatchObject({ from: 1, decrypt: [2, 3], previous: { afterRound: 0, build: true } });
    expect(plan.needsModel).toBeUndefined();
  });
});

describe("lowrank in the decrypt panel", () => {
  const dimension = async () => D;

  it("decodes round k with the models rounds k-1 and k opened with, read from the browser's store", async () => {
    const store = await keep(memoryStore(), THREE, 1, 2);
    const decoded = await decodeTaskRound(THREE.task, 3, THREE.words.get(3)!, dimension, store);
    expect(decoded).toEqual({ values: THREE.averages.get(3), encoding: "lowrank:1-random" });
    // Round 1 needs no earlier model: the parameter count comes from the model API as for any compression.
    expect((await decodeTaskRound(THREE.task, 1, THREE.words.get(1)!, dimension, memoryStore())).values).toEqual(
      THREE.averages.get(1),
    );
    const ctx = { deployment: {} as never, provider: undefined as never, task: THREE.task, events: [], models: store };
    const reused = await decodeDecrypted({ ...ctx, round: 3 }, { words: THREE.words.get(3)! }).run(() => {});
    expect(reused.values).toEqual(THREE.averages.get(3));
  });

  it("with the downstream start, decodes round 1 with the model it opened with, and says when it is missing", async () => {
    const store = await keep(memoryStore(), PRIMED, 0);
    const decoded = await decodeTaskRound(PRIMED.task, 1, PRIMED.words.get(1)!, dimension, store);
    expect(decoded).toEqual({ values: PRIMED.averages.get(1), encoding: "lowrank:1" });
    await expect(decodeTaskRound(PRIMED.task, 1, PRIMED.words.get(1)!, dimension, memoryStore())).rejects.toThrow(
      /round 1 of this lowrank:1 task needs the global model round 1 opened with .* does not hold round 1's \(0x/,
    );
  });

  it("says which model is missing and to rebuild first, before the wallet or the KMS is asked", async () => {
    const store = await keep(memoryStore(), THREE, 2);
    const missing =
      /decoding round 3 of this lowrank:1-random task needs the global models rounds 2 and 3 opened with .* does not hold round 2's \(0x.*\): rebuild the global model first \(Global model panel\)/;
    await expect(decodeTaskRound(THREE.task, 3, THREE.words.get(3)!, dimension, store)).rejects.toThrow(missing);
    await expect(decodeTaskRound(THREE.task, 3, THREE.words.get(3)!, dimension, memoryStore())).rejects.toThrow(
      /does not hold round 2's .* and round 3's/,
    );
    const ctx = { deployment: {} as never, provider: undefined as never, task: THREE.task, round: 3, events: [] };
    const getSigner = vi.fn(async () => {
      throw new Error("the wallet was asked");
    });
    await expect(userDecryption({ ...ctx, models: store }, getSigner).run(() => {})).rejects.toThrow(missing);
    expect(getSigner).not.toHaveBeenCalled();
    await expect(publicDecryption({ ...ctx, models: store }, getSigner).run(() => {})).rejects.toThrow(missing);
    expect(getSigner).not.toHaveBeenCalled();
  });
});

describe("lowrank on the participant page", () => {
  const train = fourRecords(12);
  const identity = participantIdentity(TASK_ID, THREE.after(0).commitment);
  /** Round 3 opens with the model after round 2. */
  const input = (models?: ModelStore): RoundInput => ({
    taskId: TASK_ID,
    round: 3,
    globalModelHash: THREE.after(2).commitment,
    spec: SPEC,
    layout: LAYOUT,
    global: THREE.after(2),
    train,
    settings: NODE_DEFAULTS,
    previousModelHash: THREE.task.roundInfos[1].globalModelHash,
    models,
  });

  /** Training that moves every weight by a fixed step, so the encoded update is known. */
  const fakeTraining = (requests: TrainRequest[]) => steppedTraining(requests, (i) => (i % 2 ? 0.02 : -0.01));

  it("encodes with this round's model minus the previous round's, read verified by its commitment", async () => {
    const store = await keep(memoryStore(), THREE, 1);
    expect(await roundModelChange(input(store), ENCODING, THREE.after(2).weights)).toEqual(
      modelChange(THREE.after(1).weights, THREE.after(2).weights),
    );
    expect(await roundModelChange({ ...input(), round: 1 }, ENCODING, W1)).toBeUndefined();
    const quant = taskEncoding({ ...SPEC, encoding: undefined }, D);
    expect(await roundModelChange(input(), quant, W1)).toBeUndefined();

    const participations = memoryParticipationStore();
    const requests: TrainRequest[] = [];
    const record = await loadParticipation(participations, "k", identity);
    const prepared = await preparedUpdate(input(store), record, participations, fakeTraining(requests));
    expect(requests).toHaveLength(1);
    expect(prepared.chunks).toHaveLength(LAYOUT.chunkCount);
    expect((await loadParticipation(participations, "k", identity)).state.feedback?.round).toBe(3);
  });

  it("fails before training when the browser lacks the previous round's model, and resumes a saved update without it", async () => {
    const participations = memoryParticipationStore();
    const requests: TrainRequest[] = [];
    const record = await loadParticipation(participations, "k", identity);
    const missing =
      /round 3 of this lowrank:1-random task is encoded with the change between the global models rounds 2 and 3 opened with, and this browser does not hold round 2's \(0x.*\): rebuild the global model in the Global model panel/;
    await expect(preparedUpdate(input(memoryStore()), record, participations, fakeTraining(requests))).rejects.toThrow(
      missing,
    );
    await expect(preparedUpdate(input(undefined), record, participations, fakeTraining(requests))).rejects.toThrow(
      missing,
    );
    expect(requests).toEqual([]);
    expect(await participations.get("k")).toBeUndefined();
    // Once encoded, a reload sends the saved update: no model is needed any more.
    const store = await keep(memoryStore(), THREE, 1);
    const first = await preparedUpdate(input(store), record, participations, fakeTraining(requests));
    const saved = await loadParticipation(participations, "k", identity);
    const again = await preparedUpdate(
      { ...input(memoryStore()), global: undefined, train: undefined },
      saved,
      participations,
      fakeTraining(requests),
    );
    expect(again).toEqual({ chunks: first.chunks, resumed: true });
  });
});
