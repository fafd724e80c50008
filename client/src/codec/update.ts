import { CodecError } from "./errors";
import { chunkParams, chunkWords, type Layout } from "./layout";
import { packWord, unpackWord } from "./lanes";
import { quantStep, quantize, type Rounding } from "./quantize";

/**
 * A contributor's FedAvg weight: p = min(samples, nCap) / nCap quantized to b bits (at least the
 * task's weight floor), or p = 1 for unweighted tasks. The delta is scaled by the quantized p, so
 * the decoded weighted average is exact up to quantization.
 */
export function contributionWeight(layout: Layout, samples: number): { code: number; factor: number } {
  if (layout.sampleCap === 0) return { code: layout.laneMax, factor: 1 };
  if (!Number.isInteger(samples) || samples < 1) {
    throw new CodecError(`sample count must be a positive integer, got ${samples}`);
  }
  const p = Math.min(samples, layout.sampleCap) / layout.sampleCap;
  const code = Math.max(Math.round(p * layout.laneMax), layout.weightFloor);
  return { code, factor: code / layout.laneMax };
}

/**
 * Encodes one participant's model delta as packed words, chunk by chunk. Slot 0 of every chunk is
 * the weight code; slots 1.. carry the chunk's parameters in order.
 */
export function encodeUpdate(
  delta: ArrayLike<number>,
  layout: Layout,
  options: { samples?: number; rounding?: Rounding } = {},
): bigint[][] {
  if (delta.length !== layout.paramCount) {
    throw new CodecError(`update has ${delta.length} values but the task's model has ${layout.paramCount} parameters`);
  }
  const weight = contributionWeight(layout, options.samples ?? 1);
  const scaled = Float64Array.from(delta, (x, i) => {
    if (!Number.isFinite(x)) throw new CodecError(`value at index ${i} is ${x}: updates must be finite numbers`);
    return Math.min(Math.max(x, -layout.clip), layout.clip) * weight.factor;
  });
  const codes = quantize(scaled, layout.clip, layout.valueBits, options.rounding);
  const chunks: bigint[][] = [];
  for (let c = 0; c < layout.chunkCount; c++) {
    const params = chunkParams(layout, c);
    const slots = [weight.code, ...codes.subarray(params.first, params.first + params.count)];
    const { count } = chunkWords(layout, c);
    const words: bigint[] = [];
    for (let w = 0; w < count; w++) {
      words.push(packWord(slots.slice(w * layout.lanesPerWord, (w + 1) * layout.lanesPerWord), layout));
    }
    chunks.push(words);
  }
  return chunks;
}

/**
 * Decodes the clear aggregate (all words, in order) into the averaged delta:
 * avg = (laneSum - n * 2^(b-1)) * step / D, with n the chunk's contributor count and
 * D = max(weightSum, n * weightFloor) / (2^b - 1), or D = n for unweighted tasks.
 */
export function decodeAggregate(
  words: readonly bigint[],
  contributors: readonly number[],
  layout: Layout,
): Float64Array {
  if (words.length !== layout.wordCount) {
    throw new CodecError(`aggregate has ${words.length} words, the task's layout has ${layout.wordCount}`);
  }
  if (contributors.length !== layout.chunkCount) {
    throw new CodecError(`got contributor counts for ${contributors.length} chunks, the task has ${layout.chunkCount}`);
  }
  const step = quantStep(layout.clip, layout.valueBits);
  const offset = 2n ** BigInt(layout.valueBits - 1);
  const out = new Float64Array(layout.paramCount);
  for (let c = 0; c < layout.chunkCount; c++) {
    const n = contributors[c];
    if (!Number.isInteger(n) || n < 1) throw new CodecError(`chunk ${c} has ${n} contributors: nothing to decode`);
    const { first, count } = chunkWords(layout, c);
    const lanes = words.slice(first, first + count).flatMap((w) => unpackWord(w, layout));
    // Unweighted tasks ignore the weight lane, so a contributor cannot shrink the denominator.
    const weightSum = layout.sampleCap === 0 ? n : Math.max(Number(lanes[0]), n * layout.weightFloor) / layout.laneMax;
    const params = chunkParams(layout, c);
    for (let i = 0; i < params.count; i++) {
      out[params.first + i] = (Number(lanes[i + 1] - BigInt(n) * offset) * step) / weightSum;
    }
  }
  return out;
}
