/**
 * Shared linear maps F: R^d -> R^m with orthonormal rows (F F^T = I), so F^T F is the orthogonal
 * projection onto what the map keeps, F^T maps a (summed) compressed vector back, and
 * sum_i F x_i = F (sum_i x_i): the contract's lane sums commute with every one of them.
 * - identity: m = d.
 * - randomK: keeps m coordinates drawn from the round's shared seed (shared-seed random-k).
 * - signedHash: each coordinate goes to one of m buckets with a random sign (a count sketch row, rows
 *   scaled by 1 / sqrt(bucket size)); a sparse random projection.
 * - lowPassDct: a dense layer fed by an image keeps the k x k lowest 2D-DCT frequencies of every
 *   (unit, channel) input map; every other parameter passes through. Public and seedless.
 * Pure: no I/O.
 */
import { CodecError, assertInteger } from "./errors";
import { randomBelow, type Rng } from "./sharedSeed";

export interface LinearMap {
  /** d: the model's parameter count. */
  readonly inputDimension: number;
  /** m: coordinates sent. */
  readonly outputDimension: number;
  forward(x: ArrayLike<number>): Float64Array;
  /** F^T z (the adjoint; with orthonormal rows also the least-squares inverse). */
  adjoint(z: ArrayLike<number>): Float64Array;
}

/** Throws unless a vector has the length a map expects. */
export function checkLength(what: string, v: ArrayLike<number>, n: number): void {
  if (v.length !== n) throw new CodecError(`${what} has ${v.length} values, expected ${n}`);
}

export function identityMap(d: number): LinearMap {
  assertInteger("dimension", d, 1, 2 ** 32 - 1);
  return {
    inputDimension: d,
    outputDimension: d,
    forward: (x) => (checkLength("input", x, d), Float64Array.from(x)),
    adjoint: (z) => (checkLength("compressed vector", z, d), Float64Array.from(z)),
  };
}

/** m distinct coordinates of d, drawn by a partial Fisher-Yates shuffle from `rng`, sorted. */
export function randomKMap(d: number, m: number, rng: Rng): LinearMap {
  assertInteger("kept coordinates", m, 1, d);
  const order = Int32Array.from({ length: d }, (_, i) => i);
  for (let k = 0; k < m; k++) {
    const j = k + randomBelow(rng, d - k);
    const t = order[k];
    order[k] = order[j];
    order[j] = t;
  }
  const kept = order.slice(0, m).sort();
  return {
    inputDimension: d,
    outputDimension: m,
    forward(x) {
      checkLength("input", x, d);
      return Float64Array.from(kept, (j) => x[j]);
    },
    adjoint(z) {
      checkLength("compressed vector", z, m);
      const out = new Float64Array(d);
      kept.forEach((j, k) => (out[j] = z[k]));
      return out;
    },
  };
}

/**
 * Coordinates dealt to m buckets as evenly as possible (a shared random permutation, coordinate at
 * position p goes to bucket p mod m) with random signs; bucket b sends sum_{j in b} sign_j x_j / sqrt(|b|).
 */
export function signedHashMap(d: number, m: number, rng: Rng): LinearMap {
  assertInteger("buckets", m, 1, d);
  const order = Int32Array.from({ length: d }, (_, i) => i);
  for (let k = d - 1; k > 0; k--) {
    const j = randomBelow(rng, k + 1);
    const t = order[k];
    order[k] = order[j];
    order[j] = t;
  }
  const bucket = new Int32Array(d);
  const sign = new Float64Array(d);
  const sizes = new Float64Array(m);
  for (let p = 0; p < d; p++) {
    bucket[order[p]] = p % m;
    sizes[p % m]++;
  }
  for (let j = 0; j < d; j++) sign[j] = (rng() < 0.5 ? -1 : 1) / Math.sqrt(sizes[bucket[j]]);
  return {
    inputDimension: d,
    outputDimension: m,
    forward(x) {
      checkLength("input", x, d);
      const z = new Float64Array(m);
      for (let j = 0; j < d; j++) z[bucket[j]] += sign[j] * x[j];
      return z;
    },
    adjoint(z) {
      checkLength("compressed vector", z, m);
      return Float64Array.from({ length: d }, (_, j) => sign[j] * z[bucket[j]]);
    },
  };
}

/** A dense layer whose kernel [height * width * channels, units] sits at `offset` of the flat weights. */
export interface ImageDenseLayer {
  offset: number;
  height: number;
  width: number;
  channels: number;
  units: number;
}

/** Grid the DCT basis is rounded to (2^-30), so decoders agree bit for bit even if Math.cos differs in the last ulp. */
const BASIS_GRID = 2 ** 30;

/** Rows of the orthonormal DCT-II of size n, first k frequencies: basis[u * n + x]. */
function dctBasis(n: number, k: number): Float64Array {
  const basis = new Float64Array(k * n);
  for (let u = 0; u < k; u++) {
    const scale = Math.sqrt((u === 0 ? 1 : 2) / n);
    for (let x = 0; x < n; x++) {
      const v = scale * Math.cos(((2 * x + 1) * u * Math.PI) / (2 * n));
      basis[u * n + x] = Math.round(v * BASIS_GRID) / BASIS_GRID;
    }
  }
  return basis;
}

/**
 * Keeps the `keep` x `keep` lowest 2D-DCT frequencies of the layer's input maps (one per unit and
 * channel); every parameter outside the kernel passes through unchanged after them. Flat kernel index
 * of (row, col, channel, unit) is ((row * width + col) * channels + channel) * units + unit (the tfjs
 * flatten of [height, width, channels] times a [inputs, units] kernel).
 */
export function lowPassDctMap(d: number, layer: ImageDenseLayer, keep: number): LinearMap {
  const { offset, height: H, width: W, channels: C, units: U } = layer;
  assertInteger("kept frequencies", keep, 1, Math.min(H, W));
  const kernel = H * W * C * U;
  if (offset < 0 || offset + kernel > d) {
    throw new CodecError(`a ${H}x${W}x${C} -> ${U} kernel at ${offset} does not fit ${d} parameters`);
  }
  const rows = dctBasis(H, keep);
  const cols = dctBasis(W, keep);
  const block = keep * keep;
  const m = d - kernel + block * C * U;
  const at = (r: number, c: number, ch: number, u: number) => offset + ((r * W + c) * C + ch) * U + u;
  return {
    inputDimension: d,
    outputDimension: m,
    forward(x) {
      checkLength("input", x, d);
      const z = new Float64Array(m);
      const tmp = new Float64Array(keep * W);
      let o = 0;
      for (let u = 0; u < U; u++) {
        for (let ch = 0; ch < C; ch++) {
          tmp.fill(0);
          for (let a = 0; a < keep; a++) {
            for (let r = 0; r < H; r++) {
              const f = rows[a * H + r];
              for (let c = 0; c < W; c++) tmp[a * W + c] += f * x[at(r, c, ch, u)];
            }
          }
          for (let a = 0; a < keep; a++) {
            for (let b = 0; b < keep; b++) {
              let s = 0;
              for (let c = 0; c < W; c++) s += cols[b * W + c] * tmp[a * W + c];
              z[o++] = s;
            }
          }
        }
      }
      for (let j = 0; j < offset; j++) z[o++] = x[j];
      for (let j = offset + kernel; j < d; j++) z[o++] = x[j];
      return z;
    },
    adjoint(z) {
      checkLength("compressed vector", z, m);
      const out = new Float64Array(d);
      const tmp = new Float64Array(keep * W);
      let o = 0;
      for (let u = 0; u < U; u++) {
        for (let ch = 0; ch < C; ch++) {
          tmp.fill(0);
          for (let a = 0; a < keep; a++) {
            for (let b = 0; b < keep; b++) {
              const v = z[o + a * keep + b];
              for (let c = 0; c < W; c++) tmp[a * W + c] += cols[b * W + c] * v;
            }
          }
          o += block;
          for (let r = 0; r < H; r++) {
            for (let c = 0; c < W; c++) {
              let s = 0;
              for (let a = 0; a < keep; a++) s += rows[a * H + r] * tmp[a * W + c];
              out[at(r, c, ch, u)] = s;
            }
          }
        }
      }
      for (let j = 0; j < offset; j++) out[j] = z[o++];
      for (let j = offset + kernel; j < d; j++) out[j] = z[o++];
      return out;
    },
  };
}
