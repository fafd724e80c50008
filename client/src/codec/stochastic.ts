/**
 * Unbiased stochastic rounding to b-bit codes against a public step: a value x in [-C, C] becomes the
 * integer level floor(x / step + u), u uniform in [0, 1), so E[level * step] = x exactly; levels are
 * symmetric, -(2^(b-1) - 1) .. 2^(b-1) - 1 with step = C / (2^(b-1) - 1) (b = 2: ternary -1, 0, 1),
 * and sent as code = level + 2^(b-1), always inside the b bits the contract masks lanes to.
 * Pure: no I/O.
 */
import { CodecError, assertInteger } from "./errors";
import { MAX_VALUE_BITS, MIN_VALUE_BITS } from "./layout";
import type { Rng } from "./sharedSeed";

/** Largest level |l| an honest participant sends with b-bit codes. */
export function symmetricLevels(valueBits: number): number {
  assertInteger("valueBits", valueBits, MIN_VALUE_BITS, MAX_VALUE_BITS);
  return 2 ** (valueBits - 1) - 1;
}

/** The public step of stochastic b-bit codes over [-C, C]. */
export function stochasticStep(clip: number, valueBits: number): number {
  if (!Number.isFinite(clip) || clip <= 0) throw new CodecError(`clip must be a finite number > 0, got ${clip}`);
  return clip / symmetricLevels(valueBits);
}

/** The offset added to a level to make it an unsigned code (and subtracted n times from a lane sum). */
export const codeOffset = (valueBits: number): number => 2 ** (valueBits - 1);

/**
 * Stochastically rounds values (clamped to [-C, C]) to b-bit codes, writing the level actually sent
 * (times the step) into `sent` when given, so error feedback can keep what did not fit.
 */
export function stochasticCodes(
  values: ArrayLike<number>,
  clip: number,
  valueBits: number,
  dither: Rng,
  sent?: Float64Array,
): Uint32Array {
  const levels = symmetricLevels(valueBits);
  const step = stochasticStep(clip, valueBits);
  const offset = codeOffset(valueBits);
  const codes = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isFinite(x)) throw new CodecError(`value at index ${i} is ${x}: updates must be finite numbers`);
    const scaled = Math.min(Math.max(x / step, -levels), levels);
    // floor(scaled + u) stays within [-levels, levels] because scaled does and u < 1.
    const level = Math.min(Math.floor(scaled + dither()), levels);
    codes[i] = level + offset;
    if (sent) sent[i] = level * step;
  }
  return codes;
}
