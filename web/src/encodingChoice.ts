/**
 * The update encoding an owner picks on the create-task page, read exactly as `fl:create-task
 * --compress` reads its flag: the choice is written as the flag's text and parsed by the same
 * parseCompressFlag, so the names, the parameters and the errors are the CLI's. Pure: no React.
 */
import {
  ENCODING_KINDS,
  parseCompressFlag,
  specEncoding,
  type EncodingKind,
  type EncodingSpec,
} from "../../client/src/codec/encoding";
import type { FactorFill, FirstFactor } from "../../client/src/codec/lowRank";
import { parseModelSpec, type ModelSpec } from "../../client/src/protocol/modelSpec";
import type { ModelKind } from "../../client/src/protocol/modelSpec";
import { DEFAULT_ENCODINGS, codecDefaults } from "../../client/src/protocol/taskChoices";

/** What the encoding inputs hold: the kind, its parameter as typed, and error feedback. */
export interface EncodingChoice {
  kind: EncodingKind;
  /**
   * randk/hash: the ratio; dct: the frequencies kept per side; lowrank: the rank; pca: the input
   * directions kept (empty: the words rule's); ignored by the others.
   */
  param: string;
  feedback: boolean;
  /**
   * lowrank: "random" keeps an uploaded spec's random first factors (a spec from before the downstream
   * start); absent, the flag's default, the downstream start.
   */
  firstFactor?: FirstFactor;
  /** lowrank: "kernel" fills the larger side's factor with the kernel's own directions (`-kernel`). */
  fill?: FactorFill;
}

/** The CLI's names ("none" for today's codec) with what each sends. */
export const ENCODING_OPTIONS: Record<EncodingKind, { name: string; label: string }> = {
  quant: { name: "none", label: "none: today's codec, one lane per parameter" },
  stochastic: { name: "stochastic", label: "stochastic: unbiased stochastic rounding, one lane per parameter" },
  randk: { name: "randk", label: "randk: a shared random subset of the parameters per round" },
  hash: { name: "hash", label: "hash: a shared signed-bucket projection per round" },
  dct: { name: "dct", label: "dct: low frequencies of the first dense layer's image inputs" },
  lowrank: { name: "lowrank", label: "lowrank: each weight matrix as a rank-r projection that follows the training" },
  pca: { name: "pca", label: "pca: the first dense layer on a public sample's principal input directions" },
};

/** The kinds the form offers: every one (pca with the public records it computes its basis from). */
export const FORM_ENCODING_KINDS: readonly EncodingKind[] = ENCODING_KINDS;

/** The parameter a kind takes, with its label and hint; undefined for kinds without one. */
export function encodingParam(kind: EncodingKind): { label: string; hint: string } | undefined {
  if (kind === "randk" || kind === "hash") {
    return { label: "Compression ratio", hint: "model parameters per sent value, in (1, 1000]" };
  }
  if (kind === "dct") return { label: "Frequencies kept per side", hint: "keep × keep per input map" };
  if (kind === "lowrank") return { label: "Rank", hint: "each weight matrix sends rank × its larger side" };
  if (kind === "pca") {
    return {
      label: "Input directions kept",
      hint: "of the first dense layer's inputs; empty: the words rule's (within a tenth of the 8-bit codec's words)",
    };
  }
  return undefined;
}

/**
 * A new form starts uncompressed; picking a compression prefills 10, the measured dct:10 (docs/cost-and-benchmarks.md)
 * (13.5x fewer words within 1 pp on MNIST), also a sensible first ratio for randk and hash.
 */
export const DEFAULT_ENCODING_CHOICE: EncodingChoice = { kind: "quant", param: "10", feedback: true };

/** The choice as `--compress` text: "none", "stochastic", "randk:5", "dct:10-nofb", ... */
export function compressText(choice: EncodingChoice): string {
  const { name } = ENCODING_OPTIONS[choice.kind];
  if (choice.kind === "quant") return name;
  // pca without a keep takes the words rule's, as a bare --compress pca does.
  const bare = choice.kind === "pca" && choice.param.trim() === "";
  const param = encodingParam(choice.kind) && !bare ? `:${choice.param.trim()}` : "";
  const lowrank = choice.kind === "lowrank";
  const random = lowrank && choice.firstFactor === "random" ? "-random" : "";
  const kernel = lowrank && choice.fill === "kernel" ? "-kernel" : "";
  return `${name}${param}${random}${kernel}${choice.feedback ? "" : "-nofb"}`;
}

/**
 * The encoding the task's spec will carry (undefined: today's codec, which the CLI leaves out of the
 * spec too), or the parser's error.
 */
export function encodingOf(choice: EncodingChoice): { encoding?: EncodingSpec; error?: string } {
  try {
    const encoding = parseCompressFlag(compressText(choice));
    return { encoding: specEncoding(encoding) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** The spec with the encoding, validated against the model (dct needs an image input it fits). */
export function specWithEncoding(
  spec: ModelSpec,
  encoding: EncodingSpec | undefined,
): { spec?: ModelSpec; error?: string } {
  if (!encoding) return { spec };
  try {
    return { spec: parseModelSpec({ ...spec, encoding }) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * The parameter after the kind changes: pca starts empty (the words rule picks its keep, which depends on
 * the model), the others keep what was typed, or the form's default when pca left it empty.
 */
export function followParam(param: string, from: EncodingKind, to: EncodingKind): string {
  if (to === "pca" && from !== "pca") return "";
  if (from === "pca" && to !== "pca" && param.trim() === "") return DEFAULT_ENCODING_CHOICE.param;
  return param;
}

/**
 * Value bits and clip still showing the old kind's defaults take the new kind's, as the CLI defaults
 * them when they are not given; values the owner typed stay.
 */
export function followDefaults<T extends { valueBits: string; clip: string }>(
  codec: T,
  from: EncodingKind,
  to: EncodingKind,
): T {
  const [before, after] = [codecDefaults(from), codecDefaults(to)];
  const next = { ...codec };
  for (const key of ["valueBits", "clip"] as const) {
    if (codec[key].trim() === String(before[key])) next[key] = String(after[key]);
  }
  return next;
}

/** The inputs showing a spec's encoding (an uploaded architecture JSON); today's codec when it has none. */
export function choiceOf(encoding: EncodingSpec | undefined): EncodingChoice {
  if (!encoding) return DEFAULT_ENCODING_CHOICE;
  const param = encoding.keep ?? encoding.rank ?? encoding.ratio;
  return {
    kind: encoding.kind,
    param: param === undefined ? (encoding.kind === "pca" ? "" : DEFAULT_ENCODING_CHOICE.param) : String(param),
    feedback: encoding.feedback ?? true,
    ...(encoding.kind === "lowrank" && encoding.firstFactor !== "downstream" ? { firstFactor: "random" as const } : {}),
    ...(encoding.fill === "kernel" ? { fill: "kernel" as const } : {}),
  };
}

/** Default encodings by model kind (DEFAULT_ENCODINGS unless a caller gives its own). */
export type KindDefaults = Readonly<Partial<Record<ModelKind, EncodingSpec>>>;

/** The choice a new task of this kind starts with: its default encoding, as fl:create-task picks it. */
export const defaultChoiceFor = (kind: string, defaults: KindDefaults = DEFAULT_ENCODINGS): EncodingChoice =>
  choiceOf(defaults[kind as ModelKind]);

/**
 * The choice after the model kind changes: the new kind's default while the owner has not picked an
 * encoding (the choice is still the old kind's default), else the owner's pick.
 */
export function followKindDefault(
  choice: EncodingChoice,
  from: string,
  to: string,
  defaults: KindDefaults = DEFAULT_ENCODINGS,
): EncodingChoice {
  const untouched = JSON.stringify(choice) === JSON.stringify(defaultChoiceFor(from, defaults));
  return untouched ? defaultChoiceFor(to, defaults) : choice;
}
