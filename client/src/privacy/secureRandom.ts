// Randomness for differential privacy: which records a DP-SGD step samples and the noise it adds.
// Both must stay secret (the guarantee assumes nobody can predict them), so the default source is the
// platform's CSPRNG, never the public training seed. No Node-only imports: the browser worker uses it too.
//
// Caveat, as for every floating-point DP implementation: a Gaussian sampled in float64 (here with the
// Marsaglia polar method) is not exactly Gaussian, and the gaps in its floating-point values and its
// data-independent but variable running time are known side channels (Mironov 2012 for Laplace;
// Jin et al. 2022, arXiv:2112.05307, for Gaussian). Opacus samples its noise the same way unless
// `secure_mode` is on (which also sums several CSPRNG normals, Holohan & Braghin 2021).

import { mulberry32 } from "../ml/rng";

/** A source of uniform and Gaussian samples for DP-SGD. */
export interface NoiseSource {
  /** A uniform number in [0, 1) with 53 random bits. */
  uniform(): number;
  /** `n` independent N(0, std^2) samples (drawn in float64, rounded to float32). */
  normals(n: number, std: number): Float32Array;
}

/** A generator of uniform 32-bit unsigned integers. */
type WordSource = () => number;

const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;

/** 53-bit uniform from two 32-bit words: 27 + 26 bits, as in the usual genrand_res53. */
function uniform53(word: WordSource): number {
  const hi = word() >>> 5;
  const lo = word() >>> 6;
  return (hi * TWO_POW_26 + lo) / TWO_POW_53;
}

function noiseSourceFromWords(word: WordSource): NoiseSource {
  const uniform = () => uniform53(word);
  return {
    uniform,
    normals(n: number, std: number): Float32Array {
      if (!(std >= 0) || !Number.isFinite(std)) throw new RangeError(`noise std must be finite and >= 0, got ${std}`);
      const out = new Float32Array(n);
      // Marsaglia polar: two normals per accepted point in the unit disc, no trigonometry.
      for (let i = 0; i < n;) {
        const u = 2 * uniform() - 1;
        const v = 2 * uniform() - 1;
        const s = u * u + v * v;
        if (s >= 1 || s === 0) continue;
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        out[i++] = std * u * f;
        if (i < n) out[i++] = std * v * f;
      }
      return out;
    },
  };
}

// getRandomValues fills at most 65,536 bytes per call.
const POOL_WORDS = 16384;

/**
 * Samples from the platform's cryptographically secure generator (`globalThis.crypto.getRandomValues`:
 * Node >= 19, browsers and Web Workers). Use this for real training.
 */
export function secureRandom(): NoiseSource {
  const crypto = globalThis.crypto;
  if (!crypto || typeof crypto.getRandomValues !== "function") {
    throw new Error("no secure random generator here (globalThis.crypto.getRandomValues is missing)");
  }
  const pool = new Uint32Array(POOL_WORDS);
  let next = POOL_WORDS;
  return noiseSourceFromWords(() => {
    if (next === POOL_WORDS) {
      crypto.getRandomValues(pool);
      next = 0;
    }
    return pool[next++];
  });
}

/**
 * TESTS AND BENCHMARKS ONLY, NOT PRIVATE: the same interface driven by the project's seeded mulberry32,
 * so a run can be reproduced. Anyone who knows the seed knows the sampled records and the noise.
 */
export function insecureSeededRandom(seed: number): NoiseSource {
  const rng = mulberry32(seed);
  // mulberry32 returns word / 2^32, so this recovers the 32-bit word exactly.
  return noiseSourceFromWords(() => rng() * 4294967296);
}
