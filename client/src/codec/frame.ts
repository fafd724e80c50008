/**
 * Where an encoding's codes sit in the task's lanes. The chain's layout (layout.ts, mirroring
 * LaneLayout.sol) gives every chunk a weight slot followed by `paramsPerChunk` payload slots; a frame
 * keeps the weight in `weightDigits` lanes per chunk (slot 0 and the first payload slots, most
 * significant digit first) so a FedAvg weight keeps 8 bits of precision even with 2-bit values, and
 * fills the remaining payload slots with the encoding's coordinates in order. Every lane only ever adds
 * codes below 2^b, so the sums stay exact under the chain's headroom rule n_max x (2^b - 1) < 2^L, and
 * digit sums recombine into the exact weight sum. Pure: no I/O.
 */
import { CodecError, assertInteger } from "./errors";
import { chunkParams, chunkWords, layoutOf, type CodecParams, type Layout } from "./layout";
import { packWord, unpackWord } from "./lanes";

/** Bits of precision a FedAvg weight keeps when values are narrower (1 digit of b bits at b >= 8). */
export const WEIGHT_BITS = 8;

/** Lanes per chunk carrying the weight: 1 for unweighted tasks, else ceil(8 / b). */
export function weightDigits(valueBits: number, sampleCap: number): number {
  return sampleCap === 0 ? 1 : Math.ceil(WEIGHT_BITS / valueBits);
}

/** The chain's payload slots (its paramCount) that carry `dimension` coordinates plus the extra weight digits. */
export function framedParamCount(
  dimension: number,
  shape: Pick<CodecParams, "valueBits" | "laneBits" | "wordsPerChunk" | "sampleCap">,
): number {
  assertInteger("dimension", dimension, 1, 2 ** 32 - 1);
  const extra = weightDigits(shape.valueBits, shape.sampleCap) - 1;
  const lanesPerWord = Math.floor(128 / shape.laneBits);
  const paramsPerChunk = shape.wordsPerChunk * lanesPerWord - 1;
  if (paramsPerChunk <= extra) {
    throw new CodecError(`a chunk of ${paramsPerChunk} payload slots has no room after ${extra + 1} weight digits`);
  }
  const chunks = Math.ceil(dimension / (paramsPerChunk - extra));
  return dimension + chunks * extra;
}

/** An encoding's view of the task's lanes. */
export interface Frame {
  layout: Layout;
  weightDigits: number;
  /** Coordinates the frame carries (the chain's paramCount minus the extra weight digits). */
  dimension: number;
  /** Largest weight code: 2^(digits * b) - 1. */
  weightMax: number;
  /** Smallest weight code of a contributor (the task's weight floor, in weight-code units). */
  weightFloor: number;
}

/** The frame of a task's layout; throws when the layout cannot hold the digits and one coordinate per chunk. */
export function frameOf(layout: Layout): Frame {
  const digits = weightDigits(layout.valueBits, layout.sampleCap);
  if (digits * layout.valueBits > 48) throw new CodecError(`weights of ${digits * layout.valueBits} bits are too wide`);
  let dimension = 0;
  for (let c = 0; c < layout.chunkCount; c++) {
    const { count } = chunkParams(layout, c);
    if (count < digits) {
      throw new CodecError(
        `chunk ${c} has ${count} payload slots, fewer than the ${digits} its weight digits and one coordinate need: ` +
          `plan the task's paramCount with framedParamCount`,
      );
    }
    dimension += count - (digits - 1);
  }
  const weightMax = 2 ** (digits * layout.valueBits) - 1;
  // The floor keeps its meaning as a fraction of the largest weight: weightFloor / (2^b - 1).
  const weightFloor = layout.weightFloor * (weightMax / layout.laneMax);
  return { layout, weightDigits: digits, dimension, weightMax, weightFloor };
}

/** Convenience: validates codec params and frames their layout. */
export const frameOfParams = (params: CodecParams, maxCohort?: number): Frame => frameOf(layoutOf(params, maxCohort));

/**
 * A contributor's weight code W (FedAvg weight p = min(samples, cap) / cap, at least the floor) and the
 * factor W / weightMax its update is scaled by; unweighted tasks send the largest code and factor 1.
 */
export function frameWeight(frame: Frame, samples: number): { code: number; factor: number } {
  if (frame.layout.sampleCap === 0) return { code: frame.weightMax, factor: 1 };
  if (!Number.isInteger(samples) || samples < 1) {
    throw new CodecError(`sample count must be a positive integer, got ${samples}`);
  }
  const p = Math.min(samples, frame.layout.sampleCap) / frame.layout.sampleCap;
  const code = Math.max(Math.round(p * frame.weightMax), frame.weightFloor);
  return { code, factor: code / frame.weightMax };
}

function digitsOf(code: number, frame: Frame): number[] {
  const base = 2 ** frame.layout.valueBits;
  const out: number[] = new Array<number>(frame.weightDigits);
  let rest = code;
  for (let j = frame.weightDigits - 1; j >= 0; j--) {
    out[j] = rest % base;
    rest = Math.floor(rest / base);
  }
  return out;
}

/** Packs a weight code and one code per coordinate (each < 2^b) into the chunks' words. */
export function packFrame(frame: Frame, weightCode: number, codes: ArrayLike<number>): bigint[][] {
  const { layout } = frame;
  if (codes.length !== frame.dimension) {
    throw new CodecError(`got ${codes.length} codes, the frame carries ${frame.dimension}`);
  }
  assertInteger("weight code", weightCode, 0, frame.weightMax);
  const digits = digitsOf(weightCode, frame);
  const chunks: bigint[][] = [];
  let next = 0;
  for (let c = 0; c < layout.chunkCount; c++) {
    const { count } = chunkParams(layout, c);
    const coords = count - (frame.weightDigits - 1);
    const slots = new Array<number>(count + 1);
    digits.forEach((d, j) => (slots[j] = d));
    for (let i = 0; i < coords; i++) {
      const v = codes[next + i];
      if (!Number.isInteger(v) || v < 0 || v > layout.laneMax) {
        throw new CodecError(`code ${v} at coordinate ${next + i} is not a ${layout.valueBits}-bit value`);
      }
      slots[frame.weightDigits + i] = v;
    }
    next += coords;
    const words: bigint[] = [];
    for (let w = 0; w < chunkWords(layout, c).count; w++) {
      words.push(packWord(slots.slice(w * layout.lanesPerWord, (w + 1) * layout.lanesPerWord), layout));
    }
    chunks.push(words);
  }
  return chunks;
}

/** The lane sums of an aggregate, per coordinate, with each chunk's contributor count and weight sum. */
export interface FrameSums {
  /** Sum of the coordinate's codes over the chunk's contributors. */
  sums: Float64Array;
  /** Contributors of the chunk each coordinate is in. */
  contributors: Float64Array;
  /** The FedAvg denominator of that chunk: max(sum of weights, n x floor) / weightMax, or n unweighted. */
  denominators: Float64Array;
}

/** Splits an aggregate (all words, in order) into exact lane sums per coordinate; throws on a malformed aggregate. */
export function unpackFrame(frame: Frame, words: readonly bigint[], contributors: readonly number[]): FrameSums {
  const { layout } = frame;
  if (words.length !== layout.wordCount) {
    throw new CodecError(`aggregate has ${words.length} words, the task's layout has ${layout.wordCount}`);
  }
  if (contributors.length !== layout.chunkCount) {
    throw new CodecError(`got contributor counts for ${contributors.length} chunks, the task has ${layout.chunkCount}`);
  }
  if (layout.laneBits > 53) throw new CodecError(`lanes of ${layout.laneBits} bits do not fit a double exactly`);
  const out: FrameSums = {
    sums: new Float64Array(frame.dimension),
    contributors: new Float64Array(frame.dimension),
    denominators: new Float64Array(frame.dimension),
  };
  const base = 2 ** layout.valueBits;
  let next = 0;
  for (let c = 0; c < layout.chunkCount; c++) {
    const n = contributors[c];
    if (!Number.isInteger(n) || n < 1) throw new CodecError(`chunk ${c} has ${n} contributors: nothing to decode`);
    const { first, count } = chunkWords(layout, c);
    const lanes = words.slice(first, first + count).flatMap((w) => unpackWord(w, layout).map(Number));
    let weightSum = 0;
    for (let j = 0; j < frame.weightDigits; j++) weightSum = weightSum * base + lanes[j];
    // Unweighted tasks ignore the weight lanes, so a contributor cannot shrink the denominator.
    const denominator = layout.sampleCap === 0 ? n : Math.max(weightSum, n * frame.weightFloor) / frame.weightMax;
    const coords = chunkParams(layout, c).count - (frame.weightDigits - 1);
    for (let i = 0; i < coords; i++) {
      out.sums[next + i] = lanes[frame.weightDigits + i];
      out.contributors[next + i] = n;
      out.denominators[next + i] = denominator;
    }
    next += coords;
  }
  return out;
}
