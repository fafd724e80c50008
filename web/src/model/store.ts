/**
 * Global models kept in the browser, so a visit does not decrypt every earlier round again.
 *
 * Three records: the weights by their commitment (content-addressed: the same model under two tasks is
 * one entry), the lineage of a task, "the model after round r is <commitment>, computed from
 * <parent>", and a pca task's public input basis by its digest (./inputBasis checks it when read). Nothing read back is trusted: a model counts only if its weights and the task's spec hash
 * to the commitment it is filed under (modelCommitment, as the nodes check), and the rebuild planner
 * (./rebuild) uses a lineage record only where the chain's own commitments confirm it. IndexedDB in
 * the browser; an in-memory store where there is none (tests, very old browsers). No React here.
 */
import type { InputBasis } from "../../../client/src/codec/inputBasis";
import { canonicalJson, modelCommitment, type ModelSpec } from "../../../client/src/protocol/modelSpec";
import { lazyDatabase, request } from "../idb";

/** Which task a lineage record belongs to: chain, aggregator and task id. */
export function taskKey(chainId: number, aggregator: string, taskId: bigint | string): string {
  return `${chainId}:${aggregator.toLowerCase()}:${String(taskId)}`;
}

export interface ModelRecord {
  commitment: string;
  spec: ModelSpec;
  weights: Float32Array;
  savedAt: number;
}

/** "The global model after round `afterRound` of `task` is `commitment`" (afterRound 0: the initial model). */
export interface LineageRecord {
  task: string;
  afterRound: number;
  commitment: string;
  /** The model it was computed from (the one after the round before); absent for the initial model. */
  parent?: string;
}

/** A pca task's public input basis, filed under the digest the task's spec commits to. */
export interface InputBasisRecord extends InputBasis {
  digest: string;
  savedAt: number;
}

export interface ModelStore {
  /** "indexeddb" keeps models across visits; "memory" only for this page. */
  readonly kind: "indexeddb" | "memory";
  getModel(commitment: string): Promise<ModelRecord | undefined>;
  putModel(record: ModelRecord): Promise<void>;
  deleteModel(commitment: string): Promise<void>;
  /** Every lineage record of a task, by round. */
  lineage(task: string): Promise<LineageRecord[]>;
  putLineage(record: LineageRecord): Promise<void>;
  /** Lineage of every task this browser keeps models of. */
  allLineage(): Promise<LineageRecord[]>;
  getInputBasis(digest: string): Promise<InputBasisRecord | undefined>;
  putInputBasis(record: InputBasisRecord): Promise<void>;
  deleteInputBasis(digest: string): Promise<void>;
}

/** A model with its commitment, as the page works with it. */
export interface GlobalModel {
  commitment: string;
  spec: ModelSpec;
  weights: Float32Array;
  /** The round whose aggregate it includes last (0: the task's initial model). */
  afterRound: number;
}

/**
 * The model filed under `commitment`, if its weights and `spec` hash to it. A record that fails the
 * check (corrupted, or another spec) is deleted and reported as missing.
 */
export async function readVerified(
  store: ModelStore,
  commitment: string,
  spec: ModelSpec,
): Promise<Float32Array | undefined> {
  const record = await store.getModel(commitment);
  if (!record) return undefined;
  const weights = record.weights instanceof Float32Array ? record.weights : Float32Array.from(record.weights);
  if (canonicalJson(record.spec) === canonicalJson(spec) && modelCommitment(spec, weights) === commitment) {
    return weights;
  }
  await store.deleteModel(commitment);
  return undefined;
}

/** Keeps a model and where it stands in its task's lineage. */
export async function saveModel(
  store: ModelStore,
  task: string,
  model: GlobalModel,
  parent: string | undefined,
): Promise<void> {
  await store.putModel({
    commitment: model.commitment,
    spec: model.spec,
    weights: model.weights,
    savedAt: Date.now(),
  });
  await store.putLineage({ task, afterRound: model.afterRound, commitment: model.commitment, parent });
}

export function memoryStore(): ModelStore {
  const models = new Map<string, ModelRecord>();
  const lineage = new Map<string, LineageRecord>();
  const bases = new Map<string, InputBasisRecord>();
  const sorted = (records: Iterable<LineageRecord>) => [...records].sort((a, b) => a.afterRound - b.afterRound);
  return {
    kind: "memory",
    getModel: async (c) => models.get(c),
    putModel: async (r) => void models.set(r.commitment, { ...r, weights: Float32Array.from(r.weights) }),
    deleteModel: async (c) => void models.delete(c),
    lineage: async (task) => sorted([...lineage.values()].filter((r) => r.task === task)),
    putLineage: async (r) => void lineage.set(`${r.task}#${r.afterRound}`, { ...r }),
    allLineage: async () => sorted(lineage.values()),
    getInputBasis: async (d) => bases.get(d),
    putInputBasis: async (r) => void bases.set(r.digest, { ...r, rows: Float64Array.from(r.rows) }),
    deleteInputBasis: async (d) => void bases.delete(d),
  };
}

const DB_NAME = "flufhe";
/** 2 added "inputBases"; opening a version 1 database creates it and keeps the rest. */
const DB_VERSION = 2;
const MODELS = "models";
const LINEAGE = "lineage";
const INPUT_BASES = "inputBases";

/**
 * IndexedDB database "flufhe": object stores "models" (key: commitment), "lineage" (key: [task,
 * afterRound]) and "inputBases" (key: digest).
 */
export function indexedDbStore(factory: IDBFactory): ModelStore {
  const store = lazyDatabase(factory, DB_NAME, DB_VERSION, {
    [MODELS]: "commitment",
    [LINEAGE]: ["task", "afterRound"],
    [INPUT_BASES]: "digest",
  });
  return {
    kind: "indexeddb",
    getModel: async (c) => (await request((await store(MODELS, "readonly")).get(c))) as ModelRecord | undefined,
    putModel: async (r) => void (await request((await store(MODELS, "readwrite")).put(r))),
    deleteModel: async (c) => void (await request((await store(MODELS, "readwrite")).delete(c))),
    lineage: async (task) =>
      (await request(
        (await store(LINEAGE, "readonly")).getAll(IDBKeyRange.bound([task, 0], [task, Number.MAX_SAFE_INTEGER])),
      )) as LineageRecord[],
    putLineage: async (r) => void (await request((await store(LINEAGE, "readwrite")).put(r))),
    allLineage: async () => (await request((await store(LINEAGE, "readonly")).getAll())) as LineageRecord[],
    getInputBasis: async (d) =>
      (await request((await store(INPUT_BASES, "readonly")).get(d))) as InputBasisRecord | undefined,
    putInputBasis: async (r) => void (await request((await store(INPUT_BASES, "readwrite")).put(r))),
    deleteInputBasis: async (d) => void (await request((await store(INPUT_BASES, "readwrite")).delete(d))),
  };
}

let shared: ModelStore | undefined;

/** The page's store: IndexedDB when the browser has it, else memory (this visit only; a fresh one on the server). */
export function browserModelStore(): ModelStore {
  if (typeof window === "undefined") return memoryStore();
  shared ??= typeof indexedDB !== "undefined" ? indexedDbStore(indexedDB) : memoryStore();
  return shared;
}
