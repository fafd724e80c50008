// Node environment: ethers' keccak and sha256 (the basis digest, every model commitment) reject jsdom's typed arrays.
// The web app on a pca task: the user loads the task's public input basis file once (checked against the
// digest the spec commits to, kept in the browser's model store); the rebuild, the decrypt panel and the
// participant page then decode and encode exactly as the nodes do, and without it each says what to load
// before the wallet, the KMS or the training is asked.
import { describe, expect, it, vi } from "vitest";
import { withInputBasis } from "../../client/src/codec/encoding";
import { principalInputBasis } from "../../client/src/codec/inputBasis";
import { layoutOf, type Layout } from "../../client/src/codec/layout";
import { seededStream, type RoundContext } from "../../client/src/codec/sharedSeed";
import { unpackWord } from "../../client/src/codec/lanes";
import { encodeRound, taskEncoding } from "../../client/src/node/encoding";
import { applyDelta } from "../../client/src/node/model";
import { inputBasisFile } from "../../client/src/protocol/inputBasisFile";
import { modelCommitment, parseModelSpec, specToUri } from "../../client/src/protocol/modelSpec";
import { taskSettings } from "../../client/src/protocol/taskChoices";
import { Policy } from "../../client/src/protocol/vocabulary";
import { paramCountOf } from "../../client/src/protocol/weightShapes";
import type { RoundSnapshot, TaskSnapshot } from "../../web/src/chain";
import { checkDecodable, decodeTaskRound } from "../../web/src/decryption/decode";
import { userDecryption, type DecryptedAggregate } from "../../web/src/decryption/flows";
import { FORM_ENCODING_KINDS } from "../../web/src/encodingChoice";
import {
  encodingArtifacts,
  importInputBasis,
  inputBasisDigestOf,
  readInputBasis,
} from "../../web/src/model/inputBasis";
import { planFromStore, rebuildFlow } from "../../web/src/model/rebuildFlow";
import { memoryStore, readVerified, taskKey, type ModelStore } from "../../web/src/model/store";
import { browserTaskEncoding, describeTaskEncoding } from "../../web/src/modelSpec";
import { NODE_DEFAULTS, preparedUpdate, type RoundInput } from "../../web/src/participate/roundUpdate";
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

const MLP = { kind: "mlp", inputShape: [12], numClasses: 3, seed: 1, hidden: [8] };
/** A public sample of 40 records of 12 features; its 4 leading directions are the task's basis. */
const SAMPLE = Float32Array.from({ length: 40 * 12 }, (_, i) => Math.sin(i * 0.37) * ((i % 12) + 1));
const BASIS = principalInputBasis(SAMPLE, 40, 12, 4).basis;
const SPEC = parseModelSpec({ ...MLP, encoding: withInputBasis({ kind: "pca", keep: 4 }, BASIS) });
const DIGEST = inputBasisDigestOf(SPEC)!;
const FILE = JSON.stringify(inputBasisFile(BASIS));
/** 12 x 8 + 8 + 8 x 3 + 3 = 131 parameters; the 12 x 8 kernel is sent as 4 x 8. */
const D = paramCountOf(SPEC);
const ENCODING = taskEncoding(SPEC, D, { inputBasis: BASIS });
const LAYOUT: Layout = layoutOf(taskSettings(D, { maxCohort: 4 }, ENCODING).codec, 4);
const CONTRIBUTORS = Array<number>(LAYOUT.chunkCount).fill(2);
const TASK_ID = 9n;
const KEY = taskKey(31337, "0xAbC0000000000000000000000000000000000001", TASK_ID);
const W1 = Float32Array.from({ length: D }, (_, i) => Math.cos(i + 1) / 4);
const update = (seed: number) => Float64Array.from({ length: D }, (_, i) => (((i * 5 + seed * 11) % 13) - 6) / 50);

function roundSnapshot(round: number, globalModelHash: string): RoundSnapshot {
  return {
    round,
    state: "Revealed",
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

/** Two revealed rounds as the nodes live them: two participants encode with the basis, every node decodes and applies. */
function history() {
  const opened: Float32Array[] = [W1];
  const words = new Map<number, bigint[]>();
  const averages = new Map<number, Float64Array>();
  const rounds: RoundSnapshot[] = [];
  for (const k of [1, 2]) {
    const current = opened[k - 1];
    const ctx: RoundContext = { taskId: TASK_ID, round: k, globalModelHash: modelCommitment(SPEC, current) };
    rounds.push(roundSnapshot(k, ctx.globalModelHash));
    const encode = (seed: number) =>
      ENCODING.encode({
        delta: update(seed + k),
        layout: LAYOUT,
        ctx,
        dither: seededStream(ctx.globalModelHash, `dither${seed}`),
      }).chunks.flat();
    const [a, b] = [encode(1), encode(2)];
    words.set(
      k,
      a.map((w, j) => w + b[j]),
    );
    averages.set(k, ENCODING.decode(words.get(k)!, CONTRIBUTORS, LAYOUT, ctx));
    opened.push(applyDelta(current, averages.get(k)!));
  }
  const commitments = opened.map((w) => modelCommitment(SPEC, w));
  const task: TaskSnapshot = {
    id: TASK_ID,
    owner: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    modelHash: commitments[0],
    modelURI: specToUri(SPEC),
    layout: LAYOUT,
    minCohort: 2,
    maxCohort: 4,
    rounds: 3,
    roundDuration: 3600,
    policy: Policy.Participants,
    currentRound: 2,
    participantsNextRound: 2,
    participants: [],
    roundInfos: rounds,
  };
  const decrypted = new Map<number, DecryptedAggregate>([...words].map(([k, w]) => [k, { words: w }]));
  return { task, words, averages, opened, commitments, decrypted };
}
const H = history();

const rebuildCtx = (store: ModelStore) => ({
  deployment: { chainId: 31337, aggregator: "0xAbC0000000000000000000000000000000000001" },
  provider: undefined as never,
  task: H.task,
  spec: SPEC,
  events: [],
  store,
  taskKey: KEY,
  decrypted: H.decrypted,
  buildInitial: async () => Float32Array.from(W1),
});

async function withBasis(): Promise<ModelStore> {
  const store = memoryStore();
  await importInputBasis(store, SPEC, FILE, `${DIGEST}.json`);
  return store;
}

const MISSING = new RegExp(
  `this task's pca:4 encoding needs its public input basis 0x.*, which this browser does not hold: load the ` +
    `file ${DIGEST}.json the owner published beside the task's models .* under "Input basis" in the Global model panel`,
);

describe("a pca task's input basis in the browser", () => {
  it("is loaded from the owner's file, kept under its digest and read back bit for bit", async () => {
    const store = memoryStore();
    expect(await readInputBasis(store, DIGEST)).toBeUndefined();
    await expect(encodingArtifacts(SPEC, store)).rejects.toThrow(MISSING);
    await importInputBasis(store, SPEC, FILE, "basis.json");
    const read = await readInputBasis(store, DIGEST);
    expect(Buffer.from(read!.rows.buffer)).toEqual(Buffer.from(BASIS.rows.buffer));
    expect((await encodingArtifacts(SPEC, store)).inputBasis?.keep).toBe(4);
    // Every other encoding needs nothing.
    expect(await encodingArtifacts(parseModelSpec(MLP), memoryStore())).toEqual({});
  });

  it("refuses another basis, a file that is not one, and text that is not JSON, keeping nothing", async () => {
    const store = memoryStore();
    const other = principalInputBasis(SAMPLE, 40, 12, 3).basis;
    await expect(importInputBasis(store, SPEC, JSON.stringify(inputBasisFile(other)), "other.json")).rejects.toThrow(
      new RegExp(`^other.json: it holds the basis 0x[0-9a-f]{64}, not the task's ${DIGEST}: ignored\\. Pick the file`),
    );
    const model = JSON.stringify({ spec: MLP, commitment: "0x00", weights: [1, 2] });
    await expect(importInputBasis(store, SPEC, model, "model.json")).rejects.toThrow(
      /^model.json: not an input basis file/,
    );
    await expect(importInputBasis(store, SPEC, "{", "x.json")).rejects.toThrow(/^x.json is not JSON: pick the input/);
    const plain = parseModelSpec(MLP);
    await expect(importInputBasis(store, plain, FILE, "basis.json")).rejects.toThrow(/needs no input basis/);
    expect(await store.getInputBasis(DIGEST)).toBeUndefined();
  });

  it("is dropped when the stored record no longer hashes to its digest", async () => {
    const store = await withBasis();
    const record = (await store.getInputBasis(DIGEST))!;
    const rows = Float64Array.from(record.rows);
    [rows[0], rows[12]] = [rows[12], rows[0]]; // altered in storage: no longer the basis the digest names
    await store.putInputBasis({ ...record, rows });
    expect(await readInputBasis(store, DIGEST)).toBeUndefined();
    expect(await store.getInputBasis(DIGEST)).toBeUndefined();
  });

  it("builds the nodes' encoding, and without it the page says what to load", () => {
    expect(() => browserTaskEncoding(SPEC, D)).toThrow(MISSING);
    expect(browserTaskEncoding(SPEC, D, { inputBasis: BASIS }).name).toBe("pca:4");
    expect(describeTaskEncoding({ modelURI: specToUri(SPEC) })).toMatch(
      /^pca: the first dense layer on a public sample/,
    );
    // The create form offers it (with the public records it computes the basis from: public-records.test.tsx).
    expect(FORM_ENCODING_KINDS).toContain("pca");
  });
});

describe("pca in the page's rebuild and decrypt panel", () => {
  const dimension = async () => D;

  it("rebuilds from nothing bit for bit as the nodes decode, with the loaded basis", async () => {
    const store = await withBasis();
    const plan = await planFromStore(H.task, SPEC, store, KEY);
    expect(plan).toMatchObject({ from: 0, buildInitial: true, decrypt: [1, 2] });
    const m = await rebuildFlow(rebuildCtx(store), plan, undefined).run(() => {});
    expect(m.weights).toEqual(H.opened[2]);
    expect(m.commitment).toBe(H.commitments[2]);
    expect(await readVerified(store, H.commitments[1], SPEC)).toEqual(H.opened[1]);
  });

  it("without the basis, stops before decrypting anything and says what to load", async () => {
    const store = memoryStore();
    const plan = await planFromStore(H.task, SPEC, store, KEY);
    const decryptNothing = { ...rebuildCtx(store), decrypted: new Map() };
    await expect(rebuildFlow(decryptNothing, plan, undefined).run(() => {})).rejects.toThrow(MISSING);
    // Nothing to decode (round 1 not revealed yet): the initial model needs no basis.
    const before = { ...H.task, currentRound: 1, roundInfos: [{ ...H.task.roundInfos[0], state: "Open" as const }] };
    const initial = await planFromStore(before, SPEC, store, KEY);
    expect(initial.decrypt).toEqual([]);
    const m = await rebuildFlow({ ...rebuildCtx(store), task: before }, initial, undefined).run(() => {});
    expect(m.commitment).toBe(H.commitments[0]);
  });

  it("decodes a round with the basis from the store, and asks for it before the wallet", async () => {
    const store = await withBasis();
    expect(await decodeTaskRound(H.task, 2, H.words.get(2)!, dimension, store)).toEqual({
      values: H.averages.get(2),
      encoding: "pca:4",
    });
    await checkDecodable(H.task, 2, store);
    await expect(checkDecodable(H.task, 2, memoryStore())).rejects.toThrow(MISSING);
    await expect(decodeTaskRound(H.task, 2, H.words.get(2)!, dimension, memoryStore())).rejects.toThrow(MISSING);
    const getSigner = vi.fn(async () => {
      throw new Error("the wallet was asked");
    });
    const ctx = { deployment: {} as never, provider: undefined as never, task: H.task, round: 2, events: [] };
    await expect(userDecryption({ ...ctx, models: memoryStore() }, getSigner).run(() => {})).rejects.toThrow(MISSING);
    expect(getSigner).not.toHaveBeenCalled();
  });
});

describe("pca on the participant page", () => {
  const train = fourRecords(12);
  const identity = participantIdentity(TASK_ID, H.commitments[0]);
  /** Round 3 opens with the model after round 2. */
  const input = (models?: ModelStore): RoundInput => ({
    taskId: TASK_ID,
    round: 3,
    globalModelHash: H.commitments[2],
    spec: SPEC,
    layout: LAYOUT,
    global: { commitment: H.commitments[2], weights: H.opened[2] },
    train,
    settings: NODE_DEFAULTS,
    models,
  });
  /** Training that moves every weight by a fixed step, so the encoded update is known. */
  const fakeTraining = (requests: TrainRequest[]) => steppedTraining(requests, (i) => (i % 3 ? 0.02 : -0.01));

  it("encodes with the basis exactly as the node's encoding, and resumes the saved update without it", async () => {
    const participations = memoryParticipationStore();
    const requests: TrainRequest[] = [];
    const record = await loadParticipation(participations, "k", identity);
    const prepared = await preparedUpdate(input(await withBasis()), record, participations, fakeTraining(requests));
    expect(requests).toHaveLength(1);
    const trained = Float32Array.from(H.opened[2], (w, i) => w + (i % 3 ? 0.02 : -0.01));
    const delta = Float32Array.from(H.opened[2], (w, i) => trained[i] - w);
    const ctx = { taskId: TASK_ID, round: 3, globalModelHash: H.commitments[2], model: H.opened[2] };
    const fresh = await loadParticipation(memoryParticipationStore(), "k", identity);
    const expected = encodeRound(ENCODING, fresh.state, { delta, layout: LAYOUT, ctx, samples: 4 }).chunks;
    // Each side rounds stochastically with its own dither: every lane code is the node's or one step off.
    const lanes = (chunks: bigint[][]) => chunks.flat().flatMap((w) => unpackWord(w, LAYOUT).map(Number));
    const [page, node] = [lanes(prepared.chunks), lanes(expected)];
    expect(page).toHaveLength(node.length);
    expect(Math.max(...page.map((c, i) => Math.abs(c - node[i])))).toBeLessThanOrEqual(1);
    // A reload sends what was saved: neither the basis nor the model nor the data is needed.
    const saved = await loadParticipation(participations, "k", identity);
    const again = await preparedUpdate(
      { ...input(memoryStore()), global: undefined, train: undefined },
      saved,
      participations,
      fakeTraining(requests),
    );
    expect(again).toEqual({ chunks: prepared.chunks, resumed: true });
    expect(requests).toHaveLength(1);
  });

  it("fails before training when the browser lacks the basis", async () => {
    const participations = memoryParticipationStore();
    const requests: TrainRequest[] = [];
    const record = await loadParticipation(participations, "k", identity);
    for (const models of [memoryStore(), undefined]) {
      await expect(preparedUpdate(input(models), record, participations, fakeTraining(requests))).rejects.toThrow(
        MISSING,
      );
    }
    expect(requests).toEqual([]);
    expect(await participations.get("k")).toBeUndefined();
  });
});
