/**
 * Low-rank projections of a model's weight matrices in one aggregation per round: a single-phase
 * variant of PowerSGD (Vogels et al. 2019, arXiv 1905.13727). Each compressed matrix M (rows x cols,
 * a dense kernel [in, out] or a conv kernel [kh * kw * in, out]) is sent as M Q (projecting its
 * columns) or Q^T M (projecting its rows) with an orthonormal public factor Q, alternating the side
 * every round. The factor's first columns track the dominant subspace of the change the previous
 * round made to the global model (public: both models are committed on chain), found by one
 * randomized power step, which is PowerSGD's warm-started power iteration spread over rounds; the
 * rest of the side's budget is filled with seeded random directions. Round 1 has no previous change:
 * its factors are random, or (the `downstream` start) a kernel whose outputs feed other kernels takes
 * the dominant directions of the product of those kernels in the round's model, which span most of
 * the error back-propagation sends into its outputs. With the `kernel` fill, the larger side's factor
 * takes the dominant directions of the round's kernel itself after the tracked ones and before the
 * random ones: a kernel's update lies in the span of its inputs, which the kernel has learnt (for
 * inputs without structure, where random directions of the larger side catch little). Both sides
 * send the same number of coordinates, rank x max(rows, cols), so the task's lanes fit every round.
 * Bit-identical everywhere: only +, -, *, / and sqrt on doubles (exactly rounded in every JS
 * engine) and draws from the round's shared seed. Pure: no I/O.
 */
import { CodecError, assertInteger } from "./errors";
import type { Rng } from "./sharedSeed";
import { checkLength, type LinearMap } from "./transforms";

/** A weight matrix inside the flat weights: row-major rows x cols from `offset`. */
export interface WeightMatrix {
  offset: number;
  rows: number;
  cols: number;
}

/** Whether a rank-r projection pays for a matrix: both sides must be more than twice the rank. */
export function lowRankFits(matrix: WeightMatrix, rank: number): boolean {
  return Math.min(matrix.rows, matrix.cols) > 2 * rank;
}

/** Throws, saying which rank would, unless a rank-r projection compresses at least one of the matrices. */
export function checkLowRankFits(matrices: readonly WeightMatrix[], rank: number): void {
  if (matrices.some((w) => lowRankFits(w, rank))) return;
  const widest = Math.max(0, ...matrices.map((w) => Math.min(w.rows, w.cols)));
  throw new CodecError(
    `lowrank:${rank} compresses no matrix of this model (a matrix needs both sides above ${2 * rank}; ` +
      (widest > 2 ? `use a rank below ${Math.ceil(widest / 2)})` : "it has none that wide: use hash or stochastic)"),
  );
}

/** Coordinates one compressed matrix sends every round: rank x its larger side. */
export const lowRankBudget = (matrix: WeightMatrix, rank: number): number => rank * Math.max(matrix.rows, matrix.cols);

/** Coordinates a low-rank encoding sends: the budget of every matrix that fits, every other parameter as it is. */
export function lowRankDimension(d: number, matrices: readonly WeightMatrix[], rank: number): number {
  let m = d;
  for (const w of matrices) if (lowRankFits(w, rank)) m += lowRankBudget(w, rank) - w.rows * w.cols;
  return m;
}

/** Throws unless the matrices lie inside d parameters, in order and without overlapping. */
function checkMatrices(d: number, matrices: readonly WeightMatrix[]): void {
  let end = 0;
  for (const w of matrices) {
    assertInteger("matrix rows", w.rows, 1, 2 ** 31);
    assertInteger("matrix cols", w.cols, 1, 2 ** 31);
    if (!Number.isSafeInteger(w.offset) || w.offset < end || w.offset + w.rows * w.cols > d) {
      throw new CodecError(`a ${w.rows}x${w.cols} matrix at ${w.offset} does not fit ${d} parameters after ${end}`);
    }
    end = w.offset + w.rows * w.cols;
  }
}

/** A column of +-1 / sqrt(n) from the shared stream (exact: no transcendental functions). */
function randomColumn(n: number, rng: Rng): Float64Array {
  const scale = 1 / Math.sqrt(n);
  return Float64Array.from({ length: n }, () => (rng() < 0.5 ? -scale : scale));
}

/** Removes from v its components along `basis` (twice: one pass of Gram-Schmidt can lose orthogonality). */
function orthogonalise(v: Float64Array, basis: readonly Float64Array[]): void {
  for (let pass = 0; pass < 2; pass++) {
    for (const q of basis) {
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += v[i] * q[i];
      for (let i = 0; i < v.length; i++) v[i] -= dot * q[i];
    }
  }
}

const norm = (v: Float64Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

/** Part of a candidate's norm that must survive orthogonalisation, else it is replaced by a random direction. */
const INDEPENDENCE = 1e-6;

/**
 * k orthonormal columns of length n: the candidates first (each made orthogonal to those before it;
 * one that is (nearly) dependent on them is dropped), then random directions until there are k.
 */
export function orthonormalBasis(n: number, k: number, candidates: readonly Float64Array[], rng: Rng): Float64Array[] {
  assertInteger("basis size", k, 1, n);
  const basis: Float64Array[] = [];
  const add = (v: Float64Array): void => {
    const before = norm(v);
    if (!(before > 0)) return;
    orthogonalise(v, basis);
    const after = norm(v);
    if (after > INDEPENDENCE * before) basis.push(v.map((x) => x / after));
  };
  for (const c of candidates) if (basis.length < k) add(Float64Array.from(c));
  // n random sign vectors are independent with overwhelming probability; the bound only stops a broken stream.
  for (let tries = 0; basis.length < k; tries++) {
    if (tries > 4 * n + 64) throw new CodecError(`could not draw ${k} independent directions in ${n} dimensions`);
    add(randomColumn(n, rng));
  }
  return basis;
}

/**
 * The t dominant directions of G's columns (side "rows": vectors of length rows) or of its rows (side
 * "cols"), as candidates: Y = G G^T Omega or G^T G Omega with a random sign matrix Omega.
 */
function dominantDirections(
  change: ArrayLike<number>,
  w: WeightMatrix,
  side: "rows" | "cols",
  t: number,
  rng: Rng,
): Float64Array[] {
  const { offset, rows, cols } = w;
  const g = (i: number, j: number): number => change[offset + i * cols + j];
  const [n, other] = side === "rows" ? [rows, cols] : [cols, rows];
  const out: Float64Array[] = [];
  for (let c = 0; c < t; c++) {
    const omega = randomColumn(n, rng);
    // z = G^T omega (side rows) or G omega (side cols): a vector of the other side.
    const z = new Float64Array(other);
    const y = new Float64Array(n);
    if (side === "rows") {
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) z[j] += g(i, j) * omega[i];
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) y[i] += g(i, j) * z[j];
    } else {
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) z[i] += g(i, j) * omega[j];
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) y[j] += g(i, j) * z[i];
    }
    out.push(y);
  }
  return out;
}

/** Where round 1's factors come from: seeded random directions, or the downstream kernels' (see the file comment). */
export const FIRST_FACTORS = ["random", "downstream"] as const;
export type FirstFactor = (typeof FIRST_FACTORS)[number];

/** What fills a factor after its tracked directions: seeded random ones, or first (larger side) the kernel's own. */
export const FACTOR_FILLS = ["random", "kernel"] as const;
export type FactorFill = (typeof FACTOR_FILLS)[number];

/** What the round's factors follow: the previous round's change, else (round 1) the round's model. */
export interface FactorSource {
  /** W_round - W_(round-1); absent in round 1. */
  change?: ArrayLike<number>;
  /** W_round, for the downstream start in round 1 and the kernel fill after it. */
  model?: ArrayLike<number>;
  firstFactor: FirstFactor;
  /** Default: random. */
  fill?: FactorFill;
}

/**
 * The kernels matrix i feeds (each next one's rows are the previous one's cols) multiplied out from
 * the model: a matrix with rows = matrix i's cols and the last kernel's cols, row-major at offset 0.
 * Undefined when none follows.
 */
function downstreamProduct(
  model: ArrayLike<number>,
  matrices: readonly WeightMatrix[],
  i: number,
): { values: Float64Array; matrix: WeightMatrix } | undefined {
  const rows = matrices[i].cols;
  let values: Float64Array | undefined;
  let cols = rows;
  for (let j = i + 1; j < matrices.length && matrices[j].rows === matrices[j - 1].cols; j++) {
    const next = matrices[j];
    const at = (r: number, c: number): number => model[next.offset + r * next.cols + c];
    const product = new Float64Array(rows * next.cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < next.cols; c++) {
        let s = 0;
        if (values) for (let k = 0; k < cols; k++) s += values[r * cols + k] * at(k, c);
        else s = at(r, c);
        product[r * next.cols + c] = s;
      }
    }
    values = product;
    cols = next.cols;
  }
  return values && { values, matrix: { offset: 0, rows, cols } };
}

/**
 * Round 1's candidates for matrix i when its projected side is its outputs (cols): the dominant
 * directions of the kernels downstream, multiplied out. Before the activations' masks, the error
 * reaching these outputs is that product times the error at the model's last kernel, so it lies in
 * the product's column space (at most as many directions as the last kernel has outputs).
 */
function downstreamDirections(
  model: ArrayLike<number>,
  matrices: readonly WeightMatrix[],
  i: number,
  side: "rows" | "cols",
  t: number,
  rng: Rng,
): Float64Array[] {
  const product = side === "cols" ? downstreamProduct(model, matrices, i) : undefined;
  return product ? dominantDirections(product.values, product.matrix, "rows", t, rng) : [];
}

/** One matrix's projection this round: the side projected and its factor (columns of length rows or cols). */
interface Projection {
  matrix: WeightMatrix;
  side: "rows" | "cols";
  factor: Float64Array[];
  budget: number;
}

/**
 * Odd rounds project the smaller side with `rank` columns (sending rank x the larger side), even rounds
 * the larger side with as many columns as that budget allows (sending them times the smaller side).
 */
function projectionOf(
  matrices: readonly WeightMatrix[],
  i: number,
  rank: number,
  round: number,
  source: FactorSource,
  rng: Rng,
): Projection {
  const w = matrices[i];
  const smaller: "rows" | "cols" = w.rows <= w.cols ? "rows" : "cols";
  const larger: "rows" | "cols" = smaller === "rows" ? "cols" : "rows";
  const side = round % 2 === 1 ? smaller : larger;
  const n = side === "rows" ? w.rows : w.cols;
  const other = side === "rows" ? w.cols : w.rows;
  const budget = lowRankBudget(w, rank);
  const k = Math.min(n, Math.floor(budget / other));
  const t = Math.min(rank, k);
  const { change, model } = source;
  const tracked = change
    ? dominantDirections(change, w, side, t, rng)
    : source.firstFactor === "downstream" && model
      ? downstreamDirections(model, matrices, i, side, t, rng)
      : [];
  const kernel =
    source.fill === "kernel" && change && model && side === larger
      ? dominantDirections(model, w, side, Math.min(other, k - t), rng)
      : [];
  return { matrix: w, side, factor: orthonormalBasis(n, k, [...tracked, ...kernel], rng), budget };
}

/**
 * The round's map: every matrix that fits the rank is sent as its projection (padded with zeros to its
 * budget), every other parameter as it is, in parameter order. The factors follow `source`: the
 * previous round's change to the global model (and with the kernel fill the round's kernels), or in
 * round 1 random directions or the downstream kernels'.
 */
export function lowRankMap(
  d: number,
  matrices: readonly WeightMatrix[],
  rank: number,
  round: number,
  source: FactorSource,
  rng: Rng,
): LinearMap {
  assertInteger("rank", rank, 1, 2 ** 16);
  checkMatrices(d, matrices);
  for (const [name, v] of [
    ["model change", source.change],
    ["round's model", source.model],
  ] as const) {
    if (v && v.length !== d) throw new CodecError(`the ${name} has ${v.length} values, the model has ${d} parameters`);
  }
  const projections = matrices.flatMap((w, i) =>
    lowRankFits(w, rank) ? [projectionOf(matrices, i, rank, round, source, rng)] : [],
  );
  const m = lowRankDimension(d, matrices, rank);
  return {
    inputDimension: d,
    outputDimension: m,
    forward(x) {
      checkLength("input", x, d);
      const z = new Float64Array(m);
      let at = 0;
      let o = 0;
      for (const p of projections) {
        const { offset, rows, cols } = p.matrix;
        for (; at < offset; at++) z[o++] = x[at];
        // side rows: (Q^T M) is k x cols; side cols: (M Q) is rows x k; both row-major.
        if (p.side === "rows") {
          p.factor.forEach((q, c) => {
            for (let j = 0; j < cols; j++) {
              let s = 0;
              for (let i = 0; i < rows; i++) s += q[i] * x[offset + i * cols + j];
              z[o + c * cols + j] = s;
            }
          });
        } else {
          for (let i = 0; i < rows; i++) {
            p.factor.forEach((q, c) => {
              let s = 0;
              for (let j = 0; j < cols; j++) s += x[offset + i * cols + j] * q[j];
              z[o + i * p.factor.length + c] = s;
            });
          }
        }
        o += p.budget;
        at = offset + rows * cols;
      }
      for (; at < d; at++) z[o++] = x[at];
      return z;
    },
    adjoint(z) {
      checkLength("compressed vector", z, m);
      const out = new Float64Array(d);
      let at = 0;
      let o = 0;
      for (const p of projections) {
        const { offset, rows, cols } = p.matrix;
        for (; at < offset; at++) out[at] = z[o++];
        const k = p.factor.length;
        for (let i = 0; i < rows; i++) {
          for (let j = 0; j < cols; j++) {
            let s = 0;
            if (p.side === "rows") for (let c = 0; c < k; c++) s += p.factor[c][i] * z[o + c * cols + j];
            else for (let c = 0; c < k; c++) s += z[o + i * k + c] * p.factor[c][j];
            out[offset + i * cols + j] = s;
          }
        }
        o += p.budget;
        at = offset + rows * cols;
      }
      for (; at < d; at++) out[at] = z[o++];
      return out;
    },
  };
}
