/**
 * Pluggable update encodings that commute with the contract's homomorphic sum. Every encoding maps a
 * participant's model delta to integer codes below 2^b (one lane each), the contract masks and adds
 * them, and decoding needs nothing but the exact lane sums, the public contributor counts and public
 * round data:
 * - quant: today's codec (nearest rounding of the clipped delta, offset 2^(b-1), b-bit weight lane).
 * - stochastic: unbiased stochastic rounding to b bits against the task's public step.
 * - randk, hash: a shared linear map drawn per round from roundSeed (task id, round, the round's
 *   globalModelHash), so every participant applies the same map and the sum of compressed vectors is
 *   the compressed sum; random-k coordinates or a signed-bucket sparse projection.
 * - dct: a public low-pass 2D DCT of the first dense layer's image inputs (fixed, seedless).
 * - pca: the first dense kernel projected onto the dominant directions of a public sample of the inputs
 *   (inputBasis.ts; fixed for the task, committed in the spec by its digest): dct's idea for any inputs.
 * - lowrank: every dense or conv kernel large enough sent as a rank-r projection whose factor tracks
 *   the previous round's change to the global model (lowRank.ts); needs that change (ctx.modelChange),
 *   and in round 1, with the downstream start, the round's model (ctx.model).
 * The compressions and stochastic rounding keep an error-feedback residual on the participant (its
 * own, private state: what it has not managed to send yet). Decoding is stateless: the next global
 * model is a deterministic function of the previous one, public round data and the decrypted sums, so
 * the next round's on-chain commitment catches any divergence and a late joiner needs only the
 * current model. Pure: no I/O, chain or tfjs.
 */
import { CodecError, assertInteger } from "./errors";
import { frameOf, frameWeight, framedParamCount, packFrame, unpackFrame, type Frame } from "./frame";
import type { CodecParams, Layout } from "./layout";
import {
  FACTOR_FILLS,
  FIRST_FACTORS,
  checkLowRankFits,
  lowRankDimension,
  lowRankMap,
  type FactorFill,
  type FirstFactor,
  type WeightMatrix,
} from "./lowRank";
import { inputBasisDigest, inputBasisMap, type InputBasis } from "./inputBasis";
import { roundSeed, seededStream, type RoundContext, type Rng } from "./sharedSeed";
import { codeOffset, stochasticCodes, stochasticStep } from "./stochastic";
import {
  identityMap,
  lowPassDctMap,
  randomKMap,
  signedHashMap,
  type ImageDenseLayer,
  type LinearMap,
} from "./transforms";
import { decodeAggregate, encodeUpdate } from "./update";

export const ENCODING_KINDS = ["quant", "stochastic", "randk", "hash", "dct", "lowrank", "pca"] as const;
export type EncodingKind = (typeof ENCODING_KINDS)[number];

/**
 * An encoding as a task publishes it (inside the model spec, so it is part of the task's on-chain
 * modelURI and modelHash). Value bits and the clip bound stay in the task's on-chain codec: for the
 * compressions they apply to the compressed coordinates.
 */
export interface EncodingSpec {
  kind: EncodingKind;
  /** randk, hash: model parameters per sent coordinate (d / m, > 1). */
  ratio?: number;
  /** dct: frequencies kept per image side (keep x keep per input map); pca: input directions kept. */
  keep?: number;
  /** pca: the digest of the public input basis (inputBasisDigest), so the spec commits to it. */
  basis?: string;
  /** lowrank: the rank r; each compressed matrix sends r x its larger side per round. */
  rank?: number;
  /**
   * lowrank: where round 1's factors come from, the directions of the kernels downstream or seeded random ones.
   * Absent means random: what every lowrank task created before the downstream start used.
   */
  firstFactor?: FirstFactor;
  /**
   * lowrank: "kernel" fills the larger side's factor with the round's kernel's own directions before
   * random ones (for inputs without structure: tabular records); absent means random.
   */
  fill?: FactorFill;
  /** Participant-side error feedback (default: on for every kind but quant). */
  feedback?: boolean;
}

/** Today's codec: what a task without an `encoding` field uses. */
export const DEFAULT_ENCODING: EncodingSpec = { kind: "quant" };

/**
 * Whether an encoding (by its kind or name) is anything but today's codec: it compresses, takes the
 * compressed defaults (protocol/taskChoices.ts, codecDefaults) and is recorded in the task's spec.
 */
export function compresses(kindOrName: string | undefined): boolean {
  return kindOrName !== undefined && kindOrName !== DEFAULT_ENCODING.kind;
}

/** What a spec records: nothing for today's codec (its commitment stays as it always was), else the encoding. */
export function specEncoding(encoding: EncodingSpec | undefined): EncodingSpec | undefined {
  return compresses(encoding?.kind) ? encoding : undefined;
}

const MAX_RATIO = 1000;
const MAX_KEEP = 4096;
const DIGEST = /^0x[0-9a-fA-F]{64}$/;
const MAX_RANK = 256;

/** Validates an encoding from any source (a flag, a form, a task's spec); throws with what to fix. */
export function parseEncodingSpec(value: unknown): EncodingSpec {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new CodecError('encoding must be an object such as {"kind": "dct", "keep": 10}');
  }
  const v = value as Record<string, unknown>;
  const kind = v.kind as EncodingKind;
  if (!ENCODING_KINDS.includes(kind)) {
    throw new CodecError(`encoding kind must be one of ${ENCODING_KINDS.join(", ")}, got ${JSON.stringify(v.kind)}`);
  }
  const known = new Set([
    "kind",
    "feedback",
    ...(kind === "randk" || kind === "hash" ? ["ratio"] : []),
    ...(kind === "dct" ? ["keep"] : []),
    ...(kind === "pca" ? ["keep", "basis"] : []),
    ...(kind === "lowrank" ? ["rank", "firstFactor", "fill"] : []),
  ]);
  for (const key of Object.keys(v)) {
    if (!known.has(key)) throw new CodecError(`encoding ${kind} takes no "${key}" (it takes ${[...known].join(", ")})`);
  }
  const spec: EncodingSpec = { kind };
  if (kind === "randk" || kind === "hash") {
    const ratio = v.ratio;
    if (typeof ratio !== "number" || !Number.isFinite(ratio) || ratio <= 1 || ratio > MAX_RATIO) {
      throw new CodecError(
        `${kind} needs a ratio in (1, ${MAX_RATIO}] (parameters per sent value), got ${JSON.stringify(ratio)}`,
      );
    }
    spec.ratio = ratio;
  }
  if (kind === "dct" || kind === "pca") {
    const keep = v.keep;
    if (!Number.isSafeInteger(keep) || (keep as number) < 1 || (keep as number) > MAX_KEEP) {
      const what = kind === "dct" ? "the frequencies kept per image side" : "the input directions kept";
      throw new CodecError(`${kind} needs keep, ${what} (an integer in [1, ${MAX_KEEP}]), got ${JSON.stringify(keep)}`);
    }
    spec.keep = keep as number;
  }
  if (kind === "pca" && v.basis !== undefined) {
    if (typeof v.basis !== "string" || !DIGEST.test(v.basis)) {
      throw new CodecError(
        `pca's basis is the input basis' digest (0x and 64 hex digits), got ${JSON.stringify(v.basis)}`,
      );
    }
    spec.basis = v.basis.toLowerCase();
  }
  if (kind === "lowrank") {
    const rank = v.rank;
    if (!Number.isSafeInteger(rank) || (rank as number) < 1 || (rank as number) > MAX_RANK) {
      throw new CodecError(
        `lowrank needs rank, the rank of each compressed matrix (an integer in [1, ${MAX_RANK}]), got ${JSON.stringify(rank)}`,
      );
    }
    spec.rank = rank as number;
    if (v.firstFactor !== undefined) {
      if (!FIRST_FACTORS.includes(v.firstFactor as FirstFactor)) {
        throw new CodecError(
          `lowrank's firstFactor must be one of ${FIRST_FACTORS.join(", ")}, got ${JSON.stringify(v.firstFactor)}`,
        );
      }
      if (v.firstFactor === "downstream") spec.firstFactor = "downstream";
    }
    if (v.fill !== undefined) {
      if (!FACTOR_FILLS.includes(v.fill as FactorFill)) {
        throw new CodecError(`lowrank's fill must be one of ${FACTOR_FILLS.join(", ")}, got ${JSON.stringify(v.fill)}`);
      }
      if (v.fill === "kernel") spec.fill = "kernel";
    }
  }
  if (v.feedback !== undefined) {
    if (typeof v.feedback !== "boolean")
      throw new CodecError(`feedback must be true or false, got ${JSON.stringify(v.feedback)}`);
    if (kind === "quant" && v.feedback)
      throw new CodecError("quant (today's codec) has no error feedback: use stochastic");
    if (kind === "lowrank" && !v.feedback)
      throw new CodecError("lowrank needs error feedback: what one round's factor drops is sent in later rounds");
    spec.feedback = v.feedback;
  }
  return spec;
}

/**
 * A short name: "quant", "stochastic", "randk:5", "hash:5", "dct:10", "pca:122", "lowrank:4" (+ "-nofb" without
 * feedback; lowrank with random first factors, as before the downstream start, "lowrank:4-random";
 * with the kernel fill "lowrank:4-kernel").
 */
export function encodingName(spec: EncodingSpec): string {
  const number = spec.keep ?? spec.rank ?? spec.ratio;
  const param = number !== undefined ? `:${number}` : "";
  const random = spec.kind === "lowrank" && spec.firstFactor !== "downstream" ? "-random" : "";
  const kernel = spec.fill === "kernel" ? "-kernel" : "";
  return `${spec.kind}${param}${random}${kernel}${spec.feedback === false ? "-nofb" : ""}`;
}

/**
 * Parses the `--compress` flag: "none" or "quant" (today's codec), "stochastic", "randk:<ratio>",
 * "hash:<ratio>", "dct:<keep>", "pca:<keep>" or "pca" (keep left to the words rule, pcaKeepByWordsRule, once
 * the model is known; the basis' digest is added when the basis is computed: withInputBasis), "lowrank:<rank>" (downstream start; "lowrank:<rank>-random" for random
 * first factors; "-kernel" for the kernel fill), each optionally followed by "-nofb" (no error
 * feedback). encodingName's inverse.
 */
export function parseCompressFlag(text: string): EncodingSpec {
  const match = /^(\w+)(?::([\d.]+))?(-random)?(-kernel)?(-nofb)?$/.exec(text.trim());
  if (!match)
    throw new CodecError(
      `--compress "${text}": use none, stochastic, randk:<ratio>, hash:<ratio>, dct:<keep>, pca:<keep> or lowrank:<rank>[-kernel]`,
    );
  const [, kind, param, random, kernel, nofb] = match;
  if (kind === "none") return DEFAULT_ENCODING;
  for (const [suffix, given] of [
    ["-random", random],
    ["-kernel", kernel],
  ] as const) {
    if (given && kind !== "lowrank") throw new CodecError(`--compress "${text}": only lowrank takes ${suffix}`);
  }
  // Bare "pca": the caller sets keep by the words rule for its model before the spec is made.
  if (kind === "pca" && param === undefined && !nofb) return { kind };
  const raw: Record<string, unknown> = { kind };
  if (param !== undefined)
    raw[kind === "dct" || kind === "pca" ? "keep" : kind === "lowrank" ? "rank" : "ratio"] = Number(param);
  if (kind === "lowrank" && !random) raw.firstFactor = "downstream";
  if (kernel) raw.fill = "kernel";
  if (nofb) raw.feedback = false;
  return parseEncodingSpec(raw);
}

/**
 * What an encoding needs to know about the model: its size, for dct its first dense layer on an image,
 * for lowrank its weight matrices (kernels) in parameter order, for pca its first dense kernel (the
 * first matrix, at offset 0) and the public input basis the spec commits to.
 */
export interface ModelGeometry {
  paramCount: number;
  imageLayer?: ImageDenseLayer;
  matrices?: readonly WeightMatrix[];
  inputBasis?: InputBasis;
}

/** A pca spec completed with its basis' digest (what a task publishes once the basis is computed). */
export function withInputBasis(spec: EncodingSpec, basis: InputBasis): EncodingSpec {
  if (spec.kind !== "pca") throw new CodecError(`only pca takes an input basis, not ${spec.kind}`);
  if (spec.keep === undefined) throw new CodecError("pca's keep is not set: take it from the words rule first");
  if (basis.keep !== spec.keep) {
    throw new CodecError(`pca:${spec.keep} needs a basis of ${spec.keep} directions, this one has ${basis.keep}`);
  }
  return { ...spec, basis: inputBasisDigest(basis) };
}

/** pca's map, once the basis given is the one the spec commits to and fits the model's first dense kernel. */
function pcaMap(spec: EncodingSpec, model: ModelGeometry): LinearMap {
  const name = encodingName(spec);
  const kernel = model.matrices?.[0];
  if (!kernel || kernel.offset !== 0) {
    throw new CodecError(`${name} compresses the first dense kernel of a logreg or mlp: this model has none`);
  }
  if (!spec.basis) {
    throw new CodecError(
      `${name}'s spec names no basis: compute one from a public sample and add its digest (withInputBasis)`,
    );
  }
  if (!model.inputBasis) {
    throw new CodecError(
      `${name} needs the public input basis ${spec.basis} its spec commits to: load it from the task's owner`,
    );
  }
  const digest = inputBasisDigest(model.inputBasis);
  if (digest !== spec.basis) {
    throw new CodecError(`the input basis given hashes to ${digest}, the task's spec commits to ${spec.basis}`);
  }
  return inputBasisMap(model.paramCount, kernel!, model.inputBasis);
}

export interface EncodeArgs {
  /** Local weights minus the round's global weights. */
  delta: ArrayLike<number>;
  /** The task's lanes (layoutFromTask / the plan's layout). */
  layout: Layout;
  ctx: RoundContext;
  /** Local training samples (weighted tasks). */
  samples?: number;
  /** The residual this participant kept from its previous round (encodings with feedback). */
  feedback?: Float32Array;
  /** Randomness of stochastic rounding: the participant's own (default: crypto-seeded). */
  dither?: Rng;
}

export interface EncodedUpdate {
  chunks: bigint[][];
  /** The residual to keep for the next round (encodings with feedback). */
  feedback?: Float32Array;
}

export interface UpdateEncoding {
  readonly spec: EncodingSpec;
  readonly name: string;
  /** d: model parameters. */
  readonly modelDimension: number;
  /** m: coordinates one participant sends per round. */
  readonly dimension: number;
  /** Whether encode keeps a residual (then pass it back in the next round). */
  readonly feedback: boolean;
  /** Whether encode and decode need ctx.modelChange after round 1 (the previous round's change to the model). */
  readonly tracksModelChange: boolean;
  /** Whether encode and decode need ctx.model in round 1 (the round's model; lowrank's downstream start). */
  readonly needsFirstRoundModel: boolean;
  /** The chain's paramCount (payload slots) for the task's lane shape. */
  paramCount(shape: Pick<CodecParams, "valueBits" | "laneBits" | "wordsPerChunk" | "sampleCap">): number;
  /** Throws unless the task's layout carries exactly this encoding's coordinates. */
  checkLayout(layout: Layout): void;
  /** Throws, saying what to fetch, when the round's context lacks what this encoding needs (before any training). */
  checkContext(ctx: RoundContext): void;
  encode(args: EncodeArgs): EncodedUpdate;
  /** The averaged model delta from the aggregate's words and per-chunk contributor counts. */
  decode(words: readonly bigint[], contributors: readonly number[], layout: Layout, ctx: RoundContext): Float64Array;
}

/** The participant's own dither when none is given: seeded from the platform's CSPRNG. */
function privateDither(): Rng {
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  return seededStream("0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""), "dither");
}

function checkDelta(delta: ArrayLike<number>, d: number): void {
  if (delta.length !== d) {
    throw new CodecError(`update has ${delta.length} values but the task's model has ${d} parameters`);
  }
  for (let i = 0; i < delta.length; i++) {
    if (!Number.isFinite(delta[i]))
      throw new CodecError(`value at index ${i} is ${delta[i]}: updates must be finite numbers`);
  }
}

/** Today's codec behind the encoding interface: encodeUpdate / decodeAggregate unchanged. */
class QuantEncoding implements UpdateEncoding {
  readonly name = "quant";
  readonly feedback = false;
  readonly tracksModelChange = false;
  readonly needsFirstRoundModel = false;
  readonly dimension: number;
  constructor(
    readonly spec: EncodingSpec,
    readonly modelDimension: number,
  ) {
    this.dimension = modelDimension;
  }
  paramCount(): number {
    return this.modelDimension;
  }
  checkLayout(layout: Layout): void {
    if (layout.paramCount !== this.modelDimension) {
      throw new CodecError(
        `the model has ${this.modelDimension} parameters but the task's codec carries ${layout.paramCount}`,
      );
    }
  }
  checkContext(): void {}
  encode(args: EncodeArgs): EncodedUpdate {
    this.checkLayout(args.layout);
    return { chunks: encodeUpdate(args.delta, args.layout, { samples: args.samples }) };
  }
  decode(words: readonly bigint[], contributors: readonly number[], layout: Layout): Float64Array {
    this.checkLayout(layout);
    return decodeAggregate(words, contributors, layout);
  }
}

/**
 * z = F(delta) with a shared linear map F (fixed, or drawn per round from the round's seed), rounded
 * stochastically to b-bit codes in the task's frame; decode is F^T of the weighted average of z.
 * With feedback the participant adds its residual before compressing: in model space when F changes
 * every round (what one round's map dropped, the next may keep), in compressed space when F is fixed
 * (only rounding error is left to carry). Without feedback, rotating maps are rescaled by d / m so the
 * decoded average is unbiased.
 */
class LinearEncoding implements UpdateEncoding {
  readonly name: string;
  readonly feedback: boolean;
  readonly dimension: number;
  constructor(
    readonly spec: EncodingSpec,
    readonly modelDimension: number,
    /** The round's map; `rotating` maps depend on ctx, fixed ones ignore it. */
    private readonly mapFor: (ctx: RoundContext) => LinearMap,
    private readonly rotating: boolean,
    dimension: number,
    readonly tracksModelChange = false,
    /** lowrank's downstream start: round 1's map reads ctx.model. */
    readonly needsFirstRoundModel = false,
    /** lowrank's kernel fill: the maps after round 1 read ctx.model. */
    private readonly needsRoundModel = false,
  ) {
    this.name = encodingName(spec);
    this.feedback = spec.feedback ?? true;
    this.dimension = dimension;
  }

  paramCount(shape: Pick<CodecParams, "valueBits" | "laneBits" | "wordsPerChunk" | "sampleCap">): number {
    return framedParamCount(this.dimension, shape);
  }

  private frame(layout: Layout): Frame {
    const frame = frameOf(layout);
    if (frame.dimension !== this.dimension) {
      throw new CodecError(
        `the task's lanes carry ${frame.dimension} coordinates but encoding ${this.name} sends ${this.dimension}: ` +
          `the task's paramCount must be ${this.paramCount(layout)}`,
      );
    }
    return frame;
  }

  checkLayout(layout: Layout): void {
    this.frame(layout);
  }

  checkContext(ctx: RoundContext): void {
    if (this.tracksModelChange && ctx.round > 1 && !ctx.modelChange) {
      throw new CodecError(
        `encoding ${this.name} needs round ${ctx.round - 1}'s model as well as round ${ctx.round}'s ` +
          `(its factors follow the change between them): fetch it by the round's on-chain commitment`,
      );
    }
    if (this.needsRoundModel && ctx.round > 1 && !ctx.model) {
      throw new CodecError(
        `encoding ${this.name} needs round ${ctx.round}'s model (its larger factors follow the round's kernels): ` +
          `pass the model the round committed to`,
      );
    }
    if (this.needsFirstRoundModel && ctx.round === 1 && !ctx.model) {
      throw new CodecError(
        `encoding ${this.name} needs round 1's model (its first factors follow the kernels downstream in it): ` +
          `pass the model the round committed to`,
      );
    }
  }

  /** Length of the residual: model space for rotating maps, compressed space for fixed ones. */
  get feedbackDimension(): number {
    return this.rotating ? this.modelDimension : this.dimension;
  }

  encode(args: EncodeArgs): EncodedUpdate {
    const frame = this.frame(args.layout);
    checkDelta(args.delta, this.modelDimension);
    const weight = frameWeight(frame, args.samples ?? 1);
    this.checkContext(args.ctx);
    const map = this.mapFor(args.ctx);
    const residual = this.feedback ? (args.feedback ?? new Float32Array(this.feedbackDimension)) : undefined;
    if (residual && residual.length !== this.feedbackDimension) {
      throw new CodecError(
        `the feedback residual has ${residual.length} values, encoding ${this.name} keeps ${this.feedbackDimension}`,
      );
    }
    const v = Float64Array.from(args.delta, (x) => x * weight.factor);
    if (residual && this.rotating) residual.forEach((e, i) => (v[i] += e));
    const z = map.forward(v);
    if (residual && !this.rotating) residual.forEach((e, i) => (z[i] += e));
    const sent = new Float64Array(this.dimension);
    const codes = stochasticCodes(z, args.layout.clip, args.layout.valueBits, args.dither ?? privateDither(), sent);
    const chunks = packFrame(frame, weight.code, codes);
    if (!residual) return { chunks };
    if (this.rotating) {
      const back = map.adjoint(sent);
      return { chunks, feedback: Float32Array.from(v, (x, i) => x - back[i]) };
    }
    return { chunks, feedback: Float32Array.from(z, (x, i) => x - sent[i]) };
  }

  decode(words: readonly bigint[], contributors: readonly number[], layout: Layout, ctx: RoundContext): Float64Array {
    const frame = this.frame(layout);
    this.checkContext(ctx);
    const { sums, contributors: n, denominators } = unpackFrame(frame, words, contributors);
    const step = stochasticStep(layout.clip, layout.valueBits);
    const offset = codeOffset(layout.valueBits);
    // Unbiased without feedback: E[F^T F] = (m / d) I for the rotating maps.
    const gain = this.rotating && !this.feedback ? this.modelDimension / this.dimension : 1;
    const average = Float64Array.from(sums, (s, j) => ((s - n[j] * offset) * step * gain) / denominators[j]);
    return this.mapFor(ctx).adjoint(average);
  }
}

/** Coordinates a rotating compression keeps: round(d / ratio), at least 1. */
export function keptCoordinates(paramCount: number, ratio: number): number {
  return Math.max(1, Math.round(paramCount / ratio));
}

/** Builds a task's encoding for its model; throws when the model does not suit it (dct needs an image layer). */
export function createEncoding(spec: EncodingSpec, model: ModelGeometry): UpdateEncoding {
  const d = model.paramCount;
  assertInteger("paramCount", d, 1, 2 ** 32 - 1);
  switch (spec.kind) {
    case "quant":
      return new QuantEncoding(spec, d);
    case "stochastic":
      return new LinearEncoding(spec, d, () => identityMap(d), false, d);
    case "randk": {
      const m = keptCoordinates(d, spec.ratio!);
      return new LinearEncoding(spec, d, (ctx) => randomKMap(d, m, seededStream(roundSeed(ctx), "randk")), true, m);
    }
    case "hash": {
      const m = keptCoordinates(d, spec.ratio!);
      return new LinearEncoding(spec, d, (ctx) => signedHashMap(d, m, seededStream(roundSeed(ctx), "hash")), true, m);
    }
    case "lowrank": {
      const rank = spec.rank!;
      const matrices = model.matrices ?? [];
      checkLowRankFits(matrices, rank);
      const firstFactor = spec.firstFactor ?? "random";
      const fill = spec.fill ?? "random";
      // The round's model only where the map reads it, so nothing else can depend on it.
      const reads = (round: number): boolean => (round === 1 ? firstFactor === "downstream" : fill === "kernel");
      const mapFor = (ctx: RoundContext): LinearMap =>
        lowRankMap(
          d,
          matrices,
          rank,
          ctx.round,
          { change: ctx.modelChange, model: reads(ctx.round) ? ctx.model : undefined, firstFactor, fill },
          seededStream(roundSeed(ctx), "lowrank"),
        );
      const dimension = lowRankDimension(d, matrices, rank);
      return new LinearEncoding(spec, d, mapFor, true, dimension, true, reads(1), fill === "kernel");
    }
    case "dct": {
      if (!model.imageLayer) {
        throw new CodecError(
          "dct compresses a dense layer fed by an image: use a logreg or mlp model on [height, width, channels] inputs",
        );
      }
      const map = lowPassDctMap(d, model.imageLayer, spec.keep!);
      return new LinearEncoding(spec, d, () => map, false, map.outputDimension);
    }
    case "pca": {
      const map = pcaMap(spec, model);
      return new LinearEncoding(spec, d, () => map, false, map.outputDimension);
    }
  }
}
