/**
 * Renyi-DP accountant for DP-SGD: the Poisson-subsampled Gaussian mechanism, composed over steps and
 * converted to (epsilon, delta)-DP. Pure math, no I/O, no dependencies.
 *
 * Semantics:
 * - Adjacency: add or remove one record. Sampling: Poisson (each record joins each step's batch
 *   independently with probability q). Each step adds Gaussian noise of std sigma x the L2 clip.
 * - One step's RDP at order alpha is log(A_alpha) / (alpha - 1), the bound of Mironov, Talwar & Zhang
 *   2019, "Renyi Differential Privacy of the Sampled Gaussian Mechanism" (arXiv 1908.10530, Sec. 3.3),
 *   computed as TensorFlow Privacy's `rdp_accountant.compute_rdp` and Opacus's
 *   `opacus/accountants/analysis/rdp.py` do: integer orders by the binomial expansion summed in log space,
 *   fractional orders by the two-series (erfc) expansion, q = 0 -> 0, q = 1 -> alpha / (2 sigma^2),
 *   sigma = 0 -> Infinity. A run of `steps` steps has `steps` times that RDP; runs compose by adding RDP.
 * - RDP -> (epsilon, delta): Balle et al. 2020, "Hypothesis testing interpretations and Renyi differential
 *   privacy" (arXiv 1905.09982, Theorem 21), as in Opacus's `get_privacy_spent`:
 *   eps = rdp - (log(delta) + log(alpha)) / (alpha - 1) + log((alpha - 1) / alpha), minimised over the
 *   orders and floored at 0; an order with RDP exactly 0 (nothing released) gives 0.
 * - Orders stop at 63, so for delta 1e-5 no finite noise gets epsilon below ~0.103; noiseForEpsilon says so.
 */

/** One DP-SGD run: `steps` steps, each a Gaussian mechanism (noise std = noiseMultiplier x L2 clip) on a Poisson sample (each record in with probability samplingRate). */
export interface SubsampledGaussian {
  samplingRate: number;
  noiseMultiplier: number;
  steps: number;
}

/**
 * The Renyi orders the accountant evaluates: Opacus's `RDPAccountant.DEFAULT_ALPHAS`
 * (opacus/accountants/rdp.py): 1.1, 1.2, ..., 10.9, then the integers 12..63. Same orders, same epsilons
 * as Opacus, and the fine grid near 1 serves the large-epsilon (little noise) regime.
 */
export const RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10),
  ...Array.from({ length: 52 }, (_, x) => 12 + x),
]);

/**
 * The largest noise multiplier `noiseForEpsilon` tries; past it the budget is treated as unreachable
 * (Opacus's `get_noise_multiplier` gives up at the same MAX_SIGMA = 1e6, opacus/accountants/utils.py).
 */
export const MAX_NOISE_MULTIPLIER = 1e6;

// ---------------------------------------------------------------------------------------------------
// Input checks
// ---------------------------------------------------------------------------------------------------

function checkSamplingRate(q: number): void {
  if (!(typeof q === "number" && q >= 0 && q <= 1)) {
    throw new Error(`samplingRate must be a number in [0, 1], got ${q}`);
  }
}

function checkNoise(sigma: number): void {
  if (!(typeof sigma === "number" && Number.isFinite(sigma) && sigma >= 0)) {
    throw new Error(`noiseMultiplier must be a finite number >= 0, got ${sigma}`);
  }
}

function checkSteps(steps: number): void {
  if (!(Number.isSafeInteger(steps) && steps >= 0)) {
    throw new Error(`steps must be a non-negative integer, got ${steps}`);
  }
}

function checkDelta(delta: number): void {
  if (!(typeof delta === "number" && delta > 0 && delta < 1)) {
    throw new Error(`delta must be a number in (0, 1), got ${delta}`);
  }
}

function checkMechanism(m: SubsampledGaussian): void {
  checkSamplingRate(m.samplingRate);
  checkNoise(m.noiseMultiplier);
  checkSteps(m.steps);
}

// ---------------------------------------------------------------------------------------------------
// Log-space arithmetic and special functions
// ---------------------------------------------------------------------------------------------------

/** log(e^a + e^b) without overflow; -Infinity is log(0). */
function logAdd(a: number, b: number): number {
  const hi = Math.max(a, b);
  const lo = Math.min(a, b);
  if (lo === -Infinity) return hi;
  return hi + Math.log1p(Math.exp(lo - hi));
}

/** log(e^a - e^b) for a >= b; a negative difference means the series went wrong, so say so. */
function logSub(a: number, b: number): number {
  if (a < b) throw new Error(`rdp: log-space subtraction went negative (${a} - ${b})`);
  if (b === -Infinity) return a;
  if (a === b) return -Infinity;
  return a + Math.log(-Math.expm1(b - a));
}

// Lanczos approximation, g = 7, n = 9 (the widely published coefficient set; ~1e-15 relative in Gamma).
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** sin(pi x), reduced mod 2 first so large |x| keeps its accuracy. */
function sinPi(x: number): number {
  return Math.sin(Math.PI * (x - 2 * Math.round(x / 2)));
}

/** log|Gamma(x)| for x not a non-positive integer (reflection below 1/2, Lanczos above). */
function logAbsGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(sinPi(x))) - logAbsGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let k = 1; k < LANCZOS.length; k++) sum += LANCZOS[k] / (z + k);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Sign of Gamma(x): positive for x > 0, alternating between the poles below 0. */
function gammaSign(x: number): 1 | -1 {
  return x > 0 || Math.floor(x) % 2 === 0 ? 1 : -1;
}

/** log|C(alpha, k)| and its sign, for real alpha > 0 and integer k >= 0 (alpha - k + 1 not a pole). */
function logBinomial(alpha: number, k: number): { log: number; sign: 1 | -1 } {
  const x = alpha - k + 1;
  return {
    log: logAbsGamma(alpha + 1) - logAbsGamma(k + 1) - logAbsGamma(x),
    sign: gammaSign(x),
  };
}

const ERFC_SERIES_MAX = 2;

/** erf(x) for 0 <= x < 2 by the all-positive series 2/sqrt(pi) e^{-x^2} sum 2^n x^{2n+1} / (2n+1)!!. */
function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; term > 1e-17 * sum; n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

/**
 * log(sqrt(pi) e^{x^2} erfc(x)) for x >= 2 by the continued fraction 1/(x + (1/2)/(x + (2/2)/(x + ...)))
 * (modified Lentz); ~60 terms at x = 2, fewer beyond.
 */
function logScaledErfcCf(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 10_000; n++) {
    const a = n / 2;
    d = x + a * d;
    c = x + a / c;
    if (d === 0) d = tiny;
    if (c === 0) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return -Math.log(f);
}

/**
 * log(erfc(x)) accurate for all x, including where erfc(x) underflows (x > ~27); stands in for the
 * references' scipy `log_ndtr`. Negative x: erfc(x) = 2 - erfc(-x), which is in (1, 2].
 */
function logErfc(x: number): number {
  if (x < 0) return Math.log(2) + Math.log1p(-Math.exp(logErfc(-x) - Math.log(2)));
  if (x < ERFC_SERIES_MAX) return Math.log1p(-erfSeries(x));
  return -x * x + logScaledErfcCf(x) - 0.5 * Math.log(Math.PI);
}

// ---------------------------------------------------------------------------------------------------
// log(A_alpha) of the sampled Gaussian mechanism (Mironov, Talwar & Zhang 2019, Sec. 3.3)
// ---------------------------------------------------------------------------------------------------

/**
 * Integer alpha: A = sum_i C(alpha, i) q^i (1-q)^(alpha-i) exp((i^2 - i) / (2 sigma^2)), in log space
 * (TF Privacy `_compute_log_a_int`, Opacus `_compute_log_a_for_int_alpha`).
 */
function logAInt(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  let logA = -Infinity;
  for (let i = 0; i <= alpha; i++) {
    const logCoef = logBinomial(alpha, i).log + i * logQ + (alpha - i) * log1mQ;
    logA = logAdd(logA, logCoef + (i * i - i) / (2 * sigma * sigma));
  }
  return logA;
}

// The fractional series stops once a term is below e^-30 (A >= 1, so that is relative too), as the references do.
const FRAC_TERM_CUTOFF = -30;
const FRAC_MAX_TERMS = 10_000_000;

/**
 * Fractional alpha: A is split at z0 = sigma^2 log(1/q - 1) + 1/2 into integrals over (-inf, z0] and
 * [z0, inf); each is a binomial series in i whose coefficients change sign past alpha, so the two partial
 * sums are kept in log space and added or subtracted term by term (TF Privacy `_compute_log_a_frac`, Opacus
 * `_compute_log_a_for_frac_alpha`).
 */
function logAFrac(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const twoVar = 2 * sigma * sigma;
  const z0 = sigma * sigma * (log1mQ - logQ) + 0.5;
  const erfcScale = Math.SQRT2 * sigma;
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  for (let i = 0; i < FRAC_MAX_TERMS; i++) {
    const j = alpha - i;
    const coef = logBinomial(alpha, i);
    const logT0 = coef.log + i * logQ + j * log1mQ;
    const logT1 = coef.log + j * logQ + i * log1mQ;
    const logE0 = Math.log(0.5) + logErfc((i - z0) / erfcScale);
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / erfcScale);
    const logS0 = logT0 + (i * i - i) / twoVar + logE0;
    const logS1 = logT1 + (j * j - j) / twoVar + logE1;
    if (coef.sign > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < FRAC_TERM_CUTOFF) return logAdd(logA0, logA1);
  }
  throw new Error(`rdp: fractional-order series did not converge (q=${q}, sigma=${sigma}, alpha=${alpha})`);
}

/** RDP of one step at order alpha; never negative (rounding can push log(A) a hair below 0). */
function stepRdp(q: number, sigma: number, alpha: number): number {
  if (q === 0) return 0;
  if (sigma === 0) return Infinity;
  if (q === 1) return alpha / (2 * sigma * sigma);
  const logA = Number.isInteger(alpha) ? logAInt(q, sigma, alpha) : logAFrac(q, sigma, alpha);
  return Math.max(0, logA / (alpha - 1));
}

// ---------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------

/**
 * RDP at each of RDP_ORDERS of the whole run (steps x one step's RDP).
 * @param m the run; samplingRate in [0, 1], noiseMultiplier finite and >= 0, steps a non-negative integer
 * @return one RDP value per entry of RDP_ORDERS (Infinity when noiseMultiplier is 0 and the run does anything)
 * @throws Error naming the out-of-range field and its value
 */
export function subsampledGaussianRdp(m: SubsampledGaussian): number[] {
  checkMechanism(m);
  const { samplingRate: q, noiseMultiplier: sigma, steps } = m;
  // No step or no record sampled: nothing is released about anyone (and 0 x Infinity must not become NaN).
  if (steps === 0 || q === 0) return RDP_ORDERS.map(() => 0);
  return RDP_ORDERS.map((alpha) => steps * stepRdp(q, sigma, alpha));
}

/** Balle et al. 2020 (Theorem 21) at one order; not yet floored at 0. */
function orderEpsilon(r: number, alpha: number, logDelta: number): number {
  return r - (logDelta + Math.log(alpha)) / (alpha - 1) + Math.log1p(-1 / alpha);
}

/**
 * (epsilon, delta)-DP from an RDP curve over RDP_ORDERS, with the best order (Balle et al. 2020 conversion).
 * An order whose RDP is exactly 0 gives epsilon 0 (the two output distributions are identical), so a run
 * that releases nothing costs 0 like an empty list, not the ~0.1 the formula leaves at order 63.
 * @param rdp RDP at each of RDP_ORDERS, each >= 0 (Infinity allowed)
 * @param delta in (0, 1)
 * @return the smallest epsilon over the orders (floored at 0) and the first order reaching it; when every
 *   order is Infinity, epsilon is Infinity and order is RDP_ORDERS[0]
 * @throws Error if the curve has the wrong length, a negative or NaN entry, or delta is out of range
 */
export function epsilonFromRdp(rdp: readonly number[], delta: number): { epsilon: number; order: number } {
  checkDelta(delta);
  if (rdp.length !== RDP_ORDERS.length) {
    throw new Error(`rdp must have one value per RDP order (${RDP_ORDERS.length}), got ${rdp.length}`);
  }
  const logDelta = Math.log(delta);
  let best = { epsilon: Infinity, order: RDP_ORDERS[0] };
  RDP_ORDERS.forEach((alpha, k) => {
    const r = rdp[k];
    if (!(r >= 0)) throw new Error(`rdp[${k}] (order ${alpha}) must be >= 0, got ${r}`);
    const eps = r === 0 ? 0 : orderEpsilon(r, alpha, logDelta);
    if (eps < best.epsilon) best = { epsilon: eps, order: alpha };
  });
  return { epsilon: Math.max(0, best.epsilon), order: best.order };
}

/** The smallest epsilon any finite noise can reach at delta: the conversion at RDP -> 0+, best order. */
function epsilonFloor(delta: number): number {
  const logDelta = Math.log(delta);
  return Math.max(0, Math.min(...RDP_ORDERS.map((alpha) => orderEpsilon(0, alpha, logDelta))));
}

/**
 * Epsilon of several runs composed (RDP curves summed, then converted). Empty list: 0.
 * @param mechanisms the runs, each checked as in subsampledGaussianRdp
 * @param delta in (0, 1) (checked even for an empty list)
 * @return epsilon at delta, >= 0, Infinity when some run has no noise
 */
export function epsilonOf(mechanisms: readonly SubsampledGaussian[], delta: number): number {
  checkDelta(delta);
  if (mechanisms.length === 0) return 0;
  const total = RDP_ORDERS.map(() => 0);
  for (const m of mechanisms) {
    subsampledGaussianRdp(m).forEach((r, k) => (total[k] += r));
  }
  return epsilonFromRdp(total, delta).epsilon;
}

function epsilonAt(q: number, steps: number, delta: number, milliSigma: number): number {
  return epsilonOf([{ samplingRate: q, noiseMultiplier: milliSigma / 1000, steps }], delta);
}

/**
 * The smallest noise multiplier, rounded UP to 3 decimals, whose epsilon for `steps` steps at
 * `samplingRate` is <= `epsilon` at `delta`. 0 when the run releases nothing (steps or samplingRate 0).
 * Search: doubling from 1 up to MAX_NOISE_MULTIPLIER, then bisection on thousandths, which leaves
 * epsilon(result) <= target < epsilon(result - 0.001).
 * @param target samplingRate in [0, 1], steps a non-negative integer, delta in (0, 1), epsilon finite and >= 0
 * @return the noise multiplier (a multiple of 0.001)
 * @throws Error when an input is out of range, when no noise can reach the target with RDP_ORDERS (the
 *   largest order bounds how small epsilon can get), or when even MAX_NOISE_MULTIPLIER does not reach it
 */
export function noiseForEpsilon(target: {
  samplingRate: number;
  steps: number;
  delta: number;
  epsilon: number;
}): number {
  const { samplingRate: q, steps, delta, epsilon } = target;
  checkSamplingRate(q);
  checkSteps(steps);
  checkDelta(delta);
  if (!(typeof epsilon === "number" && Number.isFinite(epsilon) && epsilon >= 0)) {
    throw new Error(`epsilon must be a finite number >= 0, got ${epsilon}`);
  }
  if (steps === 0 || q === 0) return 0;
  const floor = epsilonFloor(delta);
  if (epsilon < floor) {
    throw new Error(
      `epsilon ${epsilon} is unreachable at delta ${delta}: with these RDP orders no noise gives less than ${floor}`,
    );
  }
  // Invariant: epsilon(lo) > target >= epsilon(hi), in thousandths of a noise multiplier.
  let lo = 0;
  let hi = 1000;
  const maxMilli = MAX_NOISE_MULTIPLIER * 1000;
  while (epsilonAt(q, steps, delta, hi) > epsilon) {
    if (hi >= maxMilli) {
      throw new Error(
        `epsilon ${epsilon} at delta ${delta} needs a noise multiplier above ${MAX_NOISE_MULTIPLIER} ` +
          `(samplingRate ${q}, steps ${steps})`,
      );
    }
    lo = hi;
    hi = Math.min(2 * hi, maxMilli);
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (epsilonAt(q, steps, delta, mid) > epsilon) lo = mid;
    else hi = mid;
  }
  return hi / 1000;
}
