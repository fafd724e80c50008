// Seeded randomness shared by splitting, partitioning, initialisation and shuffling.
// Math.random cannot be seeded, and every participant must be able to reproduce the same
// partition / initial model from a published seed, so everything random goes through here.

import { mulberry32 } from "../util/random";

export { mulberry32 };

/** A source of uniform numbers in [0, 1), e.g. mulberry32(seed) (the project's shared seeded PRNG). */
export type Rng = () => number;

/** Integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** In-place Fisher-Yates shuffle; returns the same array for chaining. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(arr: T, rng: Rng): T {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const tmp = arr[i];
    arr[i] = arr[j];
    arr[j] = tmp;
  }
  return arr;
}

/** A seeded permutation of 0..n-1. */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return shuffleInPlace(p, rng);
}

/** Standard normal sample (Box-Muller; 1 - u keeps log() away from 0). */
export function normal(rng: Rng): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * log of a Gamma(shape, 1) sample (Marsaglia-Tsang). Returned in log space because Dirichlet with a
 * small alpha draws gammas that underflow to 0 in float64; normalising logs stays finite.
 */
export function logGamma(rng: Rng, shape: number): number {
  if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0, got ${shape}`);
  if (shape < 1) {
    // Boost: Gamma(a) = Gamma(a + 1) * U^(1/a).
    return logGamma(rng, shape + 1) + Math.log(1 - rng()) / shape;
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = normal(rng);
    const v = (1 + c * z) ** 3;
    if (v <= 0) continue;
    const u = 1 - rng();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return Math.log(d * v);
  }
}

/** A sample from a symmetric Dirichlet(alpha, ..., alpha) over k categories. */
export function dirichlet(rng: Rng, alpha: number, k: number): Float64Array {
  const logs = Array.from({ length: k }, () => logGamma(rng, alpha));
  const max = Math.max(...logs);
  const p = Float64Array.from(logs, (l) => Math.exp(l - max));
  const sum = p.reduce((s, x) => s + x, 0);
  return p.map((x) => x / sum);
}
