/**
 * Model specs as the protocol knows them: the kinds, validation of a spec from any source (a form, a
 * JSON file, a task's on-chain URI), its canonical form, the inline URI a task publishes and the
 * commitment the chain stores. No tfjs here: the web page and the CLI validate specs without it.
 */
import { concat, sha256, toUtf8Bytes } from "ethers";
import { parseEncodingSpec, specEncoding, type EncodingSpec } from "../codec/encoding";
import { checkLowRankFits } from "../codec/lowRank";
import { DEFAULT_HIDDEN, MODEL_KINDS, type ModelKind } from "./modelKinds";
import { parsePrivacyTerms, type PrivacyTerms } from "./privacy";
import { trainedMatrices, weightShapes } from "./weightShapes";

export { DEFAULT_HIDDEN, MODEL_KINDS, type ModelKind };

export interface ModelSpec {
  /** What the task is called in lists ("Breast cancer screening, 3 hospitals"); in the commitment like the rest. */
  name?: string;
  /** A few sentences on what the model is for and what data it expects. */
  description?: string;
  kind: ModelKind;
  /**
   * Shape of one sample, e.g. [30] or [28, 28, 1] (a cnn or lenet needs [height, width, channels]; lenet at
   * least 12 x 12).
   */
  inputShape: number[];
  numClasses: number;
  /**
   * mlp: widths of the hidden dense layers (default [64]); cnn: filters per conv block (default [8, 16]);
   * logreg and lenet have none (lenet's layout is fixed, see ml/models.ts).
   */
  hidden?: number[];
  /** Seed of the weight initialisation. */
  seed: number;
  /**
   * "published": the task starts from given weights (a model trained elsewhere, e.g. a body to fine-tune),
   * not from the seed's. The commitment covers them like any initial weights; participants fetch the model
   * by that commitment from any model source (`--models`), as late joiners fetch a round's model. Absent:
   * the seed's initialisation, which anyone rebuilds from the spec.
   */
  initialWeights?: "published";
  /**
   * Class names in class-index order, when the labels are names (a CSV with "setosa", ...): every
   * participant maps its labels through this list, so all agree on the indices.
   */
  classNames?: string[];
  /**
   * How updates are encoded (codec/encoding.ts); absent: today's codec ("quant"). Part of the spec, so
   * the task's on-chain modelURI and modelHash commit to the encoding and its parameters.
   */
  encoding?: EncodingSpec;
  /**
   * Partial training: the first n layers with weights (conv or dense, from the input side) keep the committed
   * initial weights. Nobody trains them and nobody sends them: the task's updates carry only the layers after
   * them (protocol/weightShapes.ts, frozenParamCount). Absent: every layer trains.
   */
  frozenLayers?: number;
  /**
   * The task's differential-privacy promise (protocol/privacy.ts): every participant trains with DP-SGD
   * at these terms. Absent: no DP. In the spec, so the commitment covers it; the chain stores it too.
   */
  privacy?: PrivacyTerms;
}

const MAX_NAME_LENGTH = 80;
const MAX_DESCRIPTION_LENGTH = 1000;
const MAX_INPUT_SIZE = 1_000_000;
const MAX_LAYER_WIDTH = 4096;
const MAX_LAYERS = 8;
const MAX_CLASSES = 10_000;
/** lenet: a 5x5 "same" conv, 2x2 pool, a 5x5 "valid" conv and a 2x2 pool must leave at least 1 x 1. */
const LENET_MIN_SIDE = 12;

function positiveInts(name: string, value: unknown, max: number): number[] {
  if (!Array.isArray(value)) throw new Error(`${name} must be a list of positive integers`);
  for (const v of value) {
    if (!Number.isSafeInteger(v) || v < 1 || v > max) {
      throw new Error(`${name} must hold integers in [1, ${max}], got ${JSON.stringify(v)}`);
    }
  }
  return value as number[];
}

/** A trimmed, non-empty text of at most `max` characters, or undefined when absent or blank. */
function optionalText(field: string, value: unknown, max: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new Error(`${field} must be text, got ${JSON.stringify(value)}`);
  const text = value.trim();
  if (text.length > max) throw new Error(`the task ${field} has ${text.length} characters, more than ${max}`);
  return text.length > 0 ? text : undefined;
}

/** Parses "28, 28, 1", "28x28x1" or "64,32" into numbers (NaN for a part that is not a whole number). */
export function parseIntList(text: string): number[] {
  return text
    .split(/[\s,x×]+/)
    .filter((p) => p.length > 0)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : Number.NaN));
}

/** Validates a model spec from any source, bounds its size and returns it with only known fields. */
/**
 * Throws unless a pca encoding fits: a logreg or mlp whose first dense kernel trains, and no more
 * directions kept than it has inputs.
 */
export function checkPcaFits(spec: ModelSpec, keep: number): void {
  if (spec.kind !== "logreg" && spec.kind !== "mlp") {
    throw new Error(`the pca encoding compresses the first dense layer of a logreg or mlp, not of a ${spec.kind}`);
  }
  if (spec.frozenLayers) {
    throw new Error("pca compresses the first dense layer, which frozenLayers freezes: leave one of the two out");
  }
  const inputs = spec.inputShape.reduce((a, b) => a * b, 1);
  if (keep >= inputs) {
    throw new Error(`pca keeps fewer input directions than the model has inputs (${inputs}), got ${keep}`);
  }
}

export function parseModelSpec(value: unknown): ModelSpec {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("a model spec is a JSON object {kind, inputShape, numClasses, hidden?, seed, classNames?}");
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
  if ((kind === "cnn" || kind === "lenet") && inputShape.length !== 3) {
    throw new Error(`a ${kind} needs inputShape [height, width, channels], got [${inputShape}]`);
  }
  if (kind === "lenet" && Math.min(inputShape[0], inputShape[1]) < LENET_MIN_SIDE) {
    throw new Error(`a lenet needs images of at least ${LENET_MIN_SIDE} x ${LENET_MIN_SIDE}, got [${inputShape}]`);
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
  if (v.hidden !== undefined && kind === "lenet") {
    throw new Error("a lenet has a fixed layout: leave hidden out (use a cnn for other conv widths)");
  }
  if (v.hidden !== undefined && kind !== "logreg") {
    const hidden = positiveInts("hidden", v.hidden, MAX_LAYER_WIDTH);
    if (hidden.length > MAX_LAYERS) throw new Error(`at most ${MAX_LAYERS} hidden layers`);
    spec.hidden = hidden;
  }
  if (v.classNames !== undefined) {
    const names = v.classNames;
    if (!Array.isArray(names) || names.some((n) => typeof n !== "string" || n.length === 0)) {
      throw new Error("classNames must be a list of non-empty strings");
    }
    if (names.length !== spec.numClasses) {
      throw new Error(`classNames lists ${names.length} names for ${spec.numClasses} classes`);
    }
    if (new Set(names).size !== names.length) throw new Error("classNames must not repeat a name");
    spec.classNames = names as string[];
  }
  if (v.initialWeights !== undefined) {
    if (v.initialWeights !== "published") {
      throw new Error(`initialWeights is "published" or absent (the seed's), got ${JSON.stringify(v.initialWeights)}`);
    }
    spec.initialWeights = "published";
  }
  if (v.frozenLayers !== undefined) {
    const layers = weightShapes(spec).length / 2;
    const n = v.frozenLayers;
    if (!Number.isSafeInteger(n) || (n as number) < 1 || (n as number) >= layers) {
      throw new Error(
        `frozenLayers must be an integer in [1, ${layers - 1}]: this ${kind} has ${layers} layers with weights ` +
          `and at least the last one trains, got ${JSON.stringify(n)}`,
      );
    }
    spec.frozenLayers = n as number;
  }
  if (v.encoding !== undefined) {
    spec.encoding = parseEncodingSpec(v.encoding);
    const images = (kind === "logreg" || kind === "mlp") && (inputShape.length === 2 || inputShape.length === 3);
    if (spec.encoding.kind === "dct" && !images) {
      throw new Error(
        "the dct encoding compresses a first dense layer on images: a logreg or mlp with inputShape [h, w] or [h, w, c]",
      );
    }
    if (spec.encoding.kind === "dct" && spec.encoding.keep! > Math.min(inputShape[0], inputShape[1])) {
      throw new Error(
        `dct keeps at most ${Math.min(inputShape[0], inputShape[1])} frequencies per side of a [${inputShape}] input`,
      );
    }
    if (spec.encoding.kind === "dct" && spec.frozenLayers) {
      throw new Error("dct compresses the first dense layer, which frozenLayers freezes: leave one of the two out");
    }
    if (spec.encoding.kind === "lowrank") checkLowRankFits(trainedMatrices(spec), spec.encoding.rank!);
    if (spec.encoding.kind === "pca") checkPcaFits(spec, spec.encoding.keep!);
  }
  if (v.privacy !== undefined) spec.privacy = parsePrivacyTerms(v.privacy);
  const name = optionalText("name", v.name, MAX_NAME_LENGTH);
  if (name !== undefined) spec.name = name;
  const description = optionalText("description", v.description, MAX_DESCRIPTION_LENGTH);
  if (description !== undefined) spec.description = description;
  return spec;
}

/** What an owner gives for a model: the CLI's flags, the demo's options, the web form's fields. */
export interface SpecChoices {
  name?: string;
  description?: string;
  kind: string;
  inputShape: number[];
  numClasses: number;
  seed: number;
  /** Hidden sizes as typed ("64, 32"); empty or absent: the kind's default. */
  hidden?: string;
  classNames?: string[];
  /** The update encoding (today's codec is left out of the spec, as it always was). */
  encoding?: EncodingSpec;
  /** The DP promise (privacyFromChoices computes it for the task's rounds). */
  privacy?: PrivacyTerms;
  /** Partial training: the leading layers with weights that keep the committed values (absent or 0: none). */
  frozenLayers?: number;
  /** The task starts from published weights instead of the seed's. */
  initialWeights?: "published";
}

/** The one place an owner's choices become a checked spec (parseModelSpec says what is wrong). */
export function specFromChoices(c: SpecChoices): ModelSpec {
  const hidden = c.hidden?.trim() ? parseIntList(c.hidden) : undefined;
  return parseModelSpec({
    name: c.name,
    description: c.description,
    kind: c.kind,
    inputShape: c.inputShape,
    numClasses: c.numClasses,
    seed: c.seed,
    hidden,
    classNames: c.classNames,
    encoding: specEncoding(c.encoding),
    privacy: c.privacy,
    frozenLayers: c.frozenLayers || undefined,
    initialWeights: c.initialWeights,
  });
}

/** JSON with object keys sorted at every level, so equal specs hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The bytes32 commitment the chain stores for a model: sha256 over canonicalJson(spec) followed by
 * the weights as little-endian float32, so any change of architecture or of one weight shows.
 */
export function modelCommitment(spec: ModelSpec, weights: Float32Array): string {
  const bytes = new DataView(new ArrayBuffer(weights.length * 4));
  weights.forEach((w, i) => bytes.setFloat32(i * 4, w, true));
  return sha256(concat([toUtf8Bytes(canonicalJson(spec)), new Uint8Array(bytes.buffer)]));
}

const DATA_URI_PREFIX = "data:application/json,";

/** Publishes a model spec inside the task itself, so participants need nothing but the chain. */
export function specToUri(spec: ModelSpec): string {
  return DATA_URI_PREFIX + encodeURIComponent(canonicalJson(spec));
}

/** The spec a task's model URI carries; throws with the reason when it is not a valid inline spec. */
export function specFromUri(uri: string): ModelSpec {
  if (!uri.startsWith(DATA_URI_PREFIX)) {
    throw new Error(`the task's model URI "${uri.slice(0, 60)}" is not an inline model spec (${DATA_URI_PREFIX}...)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(decodeURIComponent(uri.slice(DATA_URI_PREFIX.length)));
  } catch {
    throw new Error("the task's model URI does not hold valid JSON");
  }
  try {
    return parseModelSpec(json);
  } catch (error) {
    throw new Error(`the task's model spec is malformed: ${(error as Error).message}`);
  }
}
