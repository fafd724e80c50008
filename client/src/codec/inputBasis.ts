/**
 * The `pca` encoding's map: a model's first dense kernel [inputs, units] is sent as B K, its projection
 * onto `keep` public input directions B (keep x inputs, orthonormal rows), every other parameter as it
 * is. A dense kernel's update is a sum of (input x back-propagated error) outer products, so it lies in
 * the span of the inputs it saw: the dominant directions of the inputs' second moment hold most of it.
 * For images the low 2D-DCT frequencies approximate them (the dct encoding); records without spatial
 * structure (tabular data) have no such fixed basis, so B is computed from a public sample of the
 * task's inputs (a share no participant trains on, or published records of the same schema) and
 * committed in the task's spec by its digest. The map is fixed for the whole task, linear and the same
 * for every participant, so it commutes with the contract's sums; decoding needs the sums and B.
 * Pure: no I/O.
 */
import { solidityPackedKeccak256 } from "ethers";
import { CodecError, assertInteger } from "./errors";
import { orthonormalBasis, type WeightMatrix } from "./lowRank";
import { seededStream } from "./sharedSeed";
import { checkLength, type LinearMap } from "./transforms";

/** Public input directions: `keep` orthonormal rows of length `features`, row-major. */
export interface InputBasis {
  keep: number;
  features: number;
  rows: Float64Array;
}

/** Power steps of the subspace iteration: enough for the leading directions of image and tabular data. */
const POWER_STEPS = 40;
/** The iteration's fixed start, so every machine computing a basis from the same sample gets the same one. */
const START_SEED = solidityPackedKeccak256(["string"], ["flufhe.pca.v1"]);

/** How far from orthonormal a basis' rows may be (rounding only: a computed basis is within about 1e-15). */
const ORTHONORMAL_TOLERANCE = 1e-9;

/**
 * Throws unless a basis has the shape its fields say, finite values and orthonormal rows (decoding maps
 * back with the transpose, which inverts only an orthonormal map; a file that is not one was not made
 * by principalInputBasis).
 */
export function checkInputBasis(basis: InputBasis): void {
  assertInteger("basis directions", basis.keep, 1, basis.features);
  assertInteger("basis features", basis.features, 1, 2 ** 24);
  checkLength("input basis", basis.rows, basis.keep * basis.features);
  if (!basis.rows.every(Number.isFinite)) throw new CodecError("the input basis holds a value that is not finite");
  const { keep, features, rows } = basis;
  for (let a = 0; a < keep; a++) {
    for (let b = 0; b <= a; b++) {
      let dot = 0;
      for (let i = 0; i < features; i++) dot += rows[a * features + i] * rows[b * features + i];
      if (Math.abs(dot - (a === b ? 1 : 0)) > ORTHONORMAL_TOLERANCE) {
        throw new CodecError(`the input basis' rows ${b} and ${a} are not orthonormal (dot product ${dot})`);
      }
    }
  }
}

/** keccak256 of the basis' shape and float64 values (little-endian): what a task's spec commits to. */
export function inputBasisDigest(basis: InputBasis): string {
  checkInputBasis(basis);
  const bytes = new Uint8Array(basis.rows.length * 8);
  const view = new DataView(bytes.buffer);
  basis.rows.forEach((v, i) => view.setFloat64(i * 8, v, true));
  return solidityPackedKeccak256(
    ["string", "uint256", "uint256", "bytes"],
    ["flufhe.pca.basis.v1", basis.keep, basis.features, bytes],
  );
}

/**
 * The `keep` dominant directions of a sample's (uncentred) second moment X^T X, by subspace iteration
 * from a fixed start, and the share of the moment's trace they hold (`retained`, in [0, 1]: how much
 * of the inputs' energy the encoding can carry). `x` is row-major, `samples` x `features`.
 */
export function principalInputBasis(
  x: ArrayLike<number>,
  samples: number,
  features: number,
  keep: number,
): { basis: InputBasis; retained: number } {
  assertInteger("public samples", samples, 1, 2 ** 31);
  assertInteger("features", features, 1, 2 ** 24);
  assertInteger("kept directions", keep, 1, features);
  checkLength("public sample", x, samples * features);
  const moment = secondMoment(x, samples, features);
  const times = (v: Float64Array): Float64Array => {
    const out = new Float64Array(features);
    for (let i = 0; i < features; i++) {
      let s = 0;
      const row = i * features;
      for (let j = 0; j < features; j++) s += moment[row + j] * v[j];
      out[i] = s;
    }
    return out;
  };
  const rng = seededStream(START_SEED, "start");
  let directions = orthonormalBasis(features, keep, [], rng);
  for (let step = 0; step < POWER_STEPS; step++)
    directions = orthonormalBasis(features, keep, directions.map(times), rng);
  let trace = 0;
  for (let i = 0; i < features; i++) trace += moment[i * features + i];
  let kept = 0;
  for (const v of directions) {
    const mv = times(v);
    for (let i = 0; i < features; i++) kept += v[i] * mv[i];
  }
  const rows = new Float64Array(keep * features);
  directions.forEach((v, a) => rows.set(v, a * features));
  return { basis: { keep, features, rows }, retained: trace > 0 ? kept / trace : 0 };
}

function secondMoment(x: ArrayLike<number>, samples: number, features: number): Float64Array {
  const moment = new Float64Array(features * features);
  const row = new Float64Array(features);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < features; i++) row[i] = x[s * features + i];
    for (let i = 0; i < features; i++) {
      const v = row[i];
      if (v === 0) continue;
      const at = i * features;
      for (let j = 0; j < features; j++) moment[at + j] += v * row[j];
    }
  }
  return moment;
}

/**
 * B K for the kernel (row-major [inputs, units] at its offset) with the basis' rows, then every
 * parameter outside the kernel in order; the adjoint maps back with B^T.
 */
export function inputBasisMap(d: number, kernel: WeightMatrix, basis: InputBasis): LinearMap {
  checkInputBasis(basis);
  const { offset, rows: inputs, cols: units } = kernel;
  if (basis.features !== inputs) {
    throw new CodecError(`the input basis has ${basis.features} features, the first kernel takes ${inputs} inputs`);
  }
  if (offset < 0 || offset + inputs * units > d) {
    throw new CodecError(`a ${inputs} x ${units} kernel at ${offset} does not fit ${d} parameters`);
  }
  const { keep, rows: b } = basis;
  const end = offset + inputs * units;
  const m = d - inputs * units + keep * units;
  const rest = keep * units;
  return {
    inputDimension: d,
    outputDimension: m,
    forward(x) {
      checkLength("input", x, d);
      const z = new Float64Array(m);
      for (let a = 0; a < keep; a++) {
        for (let i = 0; i < inputs; i++) {
          const f = b[a * inputs + i];
          const at = offset + i * units;
          for (let u = 0; u < units; u++) z[a * units + u] += f * x[at + u];
        }
      }
      let o = rest;
      for (let j = 0; j < offset; j++) z[o++] = x[j];
      for (let j = end; j < d; j++) z[o++] = x[j];
      return z;
    },
    adjoint(z) {
      checkLength("compressed vector", z, m);
      const out = new Float64Array(d);
      for (let a = 0; a < keep; a++) {
        for (let i = 0; i < inputs; i++) {
          const f = b[a * inputs + i];
          const at = offset + i * units;
          for (let u = 0; u < units; u++) out[at + u] += f * z[a * units + u];
        }
      }
      let o = rest;
      for (let j = 0; j < offset; j++) out[j] = z[o++];
      for (let j = end; j < d; j++) out[j] = z[o++];
      return out;
    },
  };
}
