import { mulberry32 } from "../util/random";
import { CodecError, assertInteger } from "./errors";

/** How a scaled value is rounded to an integer level. */
export type Rounding = { mode: "nearest" } | { mode: "stochastic"; seed: number };

/**
 * Quantization step of b-bit values over [-C, C]: 2^(b-1) levels per clip bound. Every b-bit code
 * decodes inside [-C, C), so even an all-ones lane moves a coordinate by less than C.
 */
export function quantStep(clip: number, valueBits: number): number {
  return clip / 2 ** (valueBits - 1);
}

/**
 * Clips each value to [-C, C] and maps it to an unsigned b-bit code with offset 2^(b-1):
 * code = clamp(round(x / step), -2^(b-1), 2^(b-1) - 1) + 2^(b-1).
 * Throws on NaN or infinite values (they would silently poison the aggregate).
 */
export function quantize(
  values: ArrayLike<number>,
  clip: number,
  valueBits: number,
  rounding: Rounding = { mode: "nearest" },
): Uint32Array {
  assertInteger("valueBits", valueBits, 2, 32);
  if (!Number.isFinite(clip) || clip <= 0) throw new CodecError(`clip must be a finite number > 0, got ${clip}`);
  const step = quantStep(clip, valueBits);
  const offset = 2 ** (valueBits - 1);
  const random = rounding.mode === "stochastic" ? mulberry32(rounding.seed) : undefined;
  const codes = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isFinite(x)) throw new CodecError(`value at index ${i} is ${x}: updates must be finite numbers`);
    const scaled = Math.min(Math.max(x, -clip), clip) / step;
    const level = random ? Math.floor(scaled + random()) : Math.round(scaled);
    codes[i] = Math.min(Math.max(level, -offset), offset - 1) + offset;
  }
  return codes;
}

/** Inverse of quantize for one contributor's codes (for tests and local checks). */
export function dequantize(codes: ArrayLike<number>, clip: number, valueBits: number): Float64Array {
  const step = quantStep(clip, valueBits);
  const offset = 2 ** (valueBits - 1);
  return Float64Array.from(codes, (c) => (c - offset) * step);
}
