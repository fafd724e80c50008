import type { ModelKind, ModelSpec } from "../../client/src/ml/models";

export type { ModelSpec };

export const MODEL_KINDS: readonly ModelKind[] = ["logreg", "mlp", "cnn"];

/** What the model API answers for a spec: the commitment createTask records and where the spec lives. */
export interface ModelCommitment {
  spec: ModelSpec;
  paramCount: number;
  /** 0x + sha256 of the canonical spec JSON and the seeded initial weights (client/src/ml specHash). */
  modelHash: string;
  /** The spec itself as a data: URI, so every participant can rebuild the initial model from the chain. */
  modelURI: string;
}

const MAX_INPUT_SIZE = 1_000_000;
const MAX_LAYER_WIDTH = 4096;
const MAX_LAYERS = 8;
const MAX_CLASSES = 10_000;

function positiveInts(name: string, value: unknown, max: number): number[] {
  if (!Array.isArray(value)) throw new Error(`${name} must be a list of positive integers`);
  for (const v of value) {
    if (!Number.isSafeInteger(v) || v < 1 || v > max) {
      throw new Error(`${name} must hold integers in [1, ${max}], got ${JSON.stringify(v)}`);
    }
  }
  return value as number[];
}

/** Parses "28, 28, 1" or "28x28x1" into [28, 28, 1] (empty text: []). */
export function parseIntList(text: string): number[] {
  const parts = text
    .split(/[\s,x×]+/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  return parts.map((p) => (/^\d+$/.test(p) ? Number(p) : Number.NaN));
}

/** Validates a model spec (form input or an uploaded architecture JSON) and bounds its size. */
export function parseModelSpec(value: unknown): ModelSpec {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("a model spec is a JSON object {kind, inputShape, numClasses, hidden?, seed}");
  }
  const v = value as Record<string, unknown>;
  if (!MODEL_KINDS.includes(v.kind as ModelKind)) {
    throw new Error(`kind must be one of ${MODEL_KINDS.join(", ")}, got ${JSON.stringify(v.kind)}`);
  }
  const kind = v.kind as ModelKind;
  const inputShape = positiveInts("inputShape", v.inputShape, MAX_INPUT_SIZE);
  if (inputShape.length === 0) throw new Error("inputShape needs at least one dimension");
  if (inputShape.reduce((a, b) => a * b, 1) > MAX_INPUT_SIZE) {
    throw new Error(`an input of ${inputShape.join(" x ")} values is larger than ${MAX_INPUT_SIZE}`);
  }
  if (kind === "cnn" && inputShape.length !== 3) {
    throw new Error("a cnn needs inputShape [height, width, channels]");
  }
  const numClasses = v.numClasses;
  if (!Number.isSafeInteger(numClasses) || (numClasses as number) < 2 || (numClasses as number) > MAX_CLASSES) {
    throw new Error(`numClasses must be an integer in [2, ${MAX_CLASSES}], got ${JSON.stringify(numClasses)}`);
  }
  const seed = v.seed;
  if (!Number.isSafeInteger(seed) || (seed as number) < 0 || (seed as number) > 0xffffffff) {
    throw new Error(`seed must be an integer in [0, 2^32 - 1], got ${JSON.stringify(seed)}`);
  }
  const spec: ModelSpec = { kind, inputShape, numClasses: numClasses as number, seed: seed as number };
  if (v.hidden !== undefined && kind !== "logreg") {
    const hidden = positiveInts("hidden", v.hidden, MAX_LAYER_WIDTH);
    if (hidden.length > MAX_LAYERS) throw new Error(`at most ${MAX_LAYERS} hidden layers`);
    spec.hidden = hidden;
  }
  return spec;
}

const URI_PREFIX = "data:application/json,";

/** The spec a task's modelURI carries, when it is one of ours (else undefined). */
export function specFromModelURI(uri: string): ModelSpec | undefined {
  if (!uri.startsWith(URI_PREFIX)) return undefined;
  try {
    return parseModelSpec(JSON.parse(decodeURIComponent(uri.slice(URI_PREFIX.length))));
  } catch {
    return undefined;
  }
}

export function modelURIOf(canonicalSpecJson: string): string {
  return URI_PREFIX + encodeURIComponent(canonicalSpecJson);
}
