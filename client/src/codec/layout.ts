import { CodecError, assertInteger } from "./errors";

/** Bits in one packed word: the contract adds euint128 values. */
export const WORD_BITS = 128;
/** euint128 words one input proof can carry (2048 bits). */
export const WORDS_PER_PROOF = 16;
/** euint128 handles one KMS decryption request can carry (2048 bits). */
export const WORDS_PER_DECRYPTION = 16;
/** Value bits the contract accepts (InvalidValueBits outside). */
export const MIN_VALUE_BITS = 2;
export const MAX_VALUE_BITS = 32;
/** The contract's upper bound on words per chunk. */
export const MAX_WORDS_PER_CHUNK = 67;

/**
 * Codec settings shared by every participant of a task (stored on-chain in the task's config).
 * - valueBits b: bits of one quantized value; the contract masks every lane to these bits.
 * - laneBits L: bits per lane; L - b headroom bits absorb the sum of up to maxCohort values.
 * - wordsPerChunk: words per submission transaction.
 * - clip C: delta coordinates are clipped to [-C, C] before quantization.
 * - sampleCap nCap: FedAvg weight p = min(samples, nCap) / nCap; 0 means unweighted (p = 1).
 * - weightFloor: smallest quantized weight, which also bounds a contributor's influence when decoding.
 */
export interface CodecParams {
  valueBits: number;
  laneBits: number;
  wordsPerChunk: number;
  paramCount: number;
  clip: number;
  sampleCap: number;
  weightFloor: number;
}

/** Everything derived from CodecParams: mirrors contracts/libraries/LaneLayout.sol. */
export interface Layout extends CodecParams {
  lanesPerWord: number;
  laneMax: number;
  laneMask: bigint;
  /** Parameter slots per full chunk (slot 0 of every chunk carries the contributor's weight). */
  paramsPerChunk: number;
  chunkCount: number;
  wordCount: number;
}

/** Validates settings (and the lane headroom for a cohort, when given) and derives the layout. */
export function layoutOf(params: CodecParams, maxCohort?: number): Layout {
  const { valueBits, laneBits, wordsPerChunk, paramCount, clip, sampleCap, weightFloor } = params;
  assertInteger("valueBits", valueBits, MIN_VALUE_BITS, MAX_VALUE_BITS);
  assertInteger("laneBits", laneBits, valueBits + 1, WORD_BITS);
  assertInteger("wordsPerChunk", wordsPerChunk, 1, MAX_WORDS_PER_CHUNK);
  assertInteger("paramCount", paramCount, 1, 2 ** 32 - 1);
  if (!Number.isFinite(clip) || clip <= 0) throw new CodecError(`clip must be a finite number > 0, got ${clip}`);
  assertInteger("sampleCap", sampleCap, 0, 2 ** 32 - 1);
  const laneMax = 2 ** valueBits - 1;
  assertInteger("weightFloor", weightFloor, 1, laneMax);
  if (maxCohort !== undefined) assertHeadroom(valueBits, laneBits, maxCohort);

  const lanesPerWord = Math.floor(WORD_BITS / laneBits);
  const paramsPerChunk = wordsPerChunk * lanesPerWord - 1;
  if (paramsPerChunk < 1) {
    throw new CodecError(`a chunk of ${wordsPerChunk} word(s) with ${lanesPerWord} lane(s) has no room for parameters`);
  }
  const chunkCount = Math.ceil(paramCount / paramsPerChunk);
  const lastParams = paramCount - (chunkCount - 1) * paramsPerChunk;
  const wordCount = (chunkCount - 1) * wordsPerChunk + Math.ceil((lastParams + 1) / lanesPerWord);
  let laneMask = 0n;
  for (let j = 0; j < lanesPerWord; j++) laneMask |= BigInt(laneMax) << BigInt(j * laneBits);
  return { ...params, lanesPerWord, laneMax, laneMask, paramsPerChunk, chunkCount, wordCount };
}

/** Throws unless maxCohort lane values of b bits sum below 2^L (no carry into the next lane). */
export function assertHeadroom(valueBits: number, laneBits: number, maxCohort: number): void {
  assertInteger("maxCohort", maxCohort, 1, 65535);
  if (BigInt(maxCohort) * (2n ** BigInt(valueBits) - 1n) >= 2n ** BigInt(laneBits)) {
    throw new CodecError(
      `lane headroom too small: ${maxCohort} x (2^${valueBits} - 1) does not fit in ${laneBits} lane bits; ` +
        `use laneBits >= ${minLaneBits(valueBits, maxCohort)} or a smaller cohort`,
    );
  }
}

/** Smallest lane width L with maxCohort * (2^b - 1) < 2^L. */
export function minLaneBits(valueBits: number, maxCohort: number): number {
  // The bit length of the largest possible lane sum is exactly the lane width it needs.
  return (BigInt(maxCohort) * (2n ** BigInt(valueBits) - 1n)).toString(2).length;
}

/** Word range [first, first + count) of a chunk. */
export function chunkWords(layout: Layout, chunk: number): { first: number; count: number } {
  if (!Number.isInteger(chunk) || chunk < 0 || chunk >= layout.chunkCount) {
    throw new CodecError(`chunk ${chunk} is out of range [0, ${layout.chunkCount})`);
  }
  const first = chunk * layout.wordsPerChunk;
  return { first, count: Math.min(first + layout.wordsPerChunk, layout.wordCount) - first };
}

/** Parameter range [first, first + count) carried by a chunk. */
export function chunkParams(layout: Layout, chunk: number): { first: number; count: number } {
  chunkWords(layout, chunk);
  const first = chunk * layout.paramsPerChunk;
  return { first, count: Math.min(first + layout.paramsPerChunk, layout.paramCount) - first };
}
