import { describe, expect, it } from "vitest";
import {
  MAX_NOISE_MULTIPLIER,
  RDP_ORDERS,
  epsilonFromRdp,
  epsilonOf,
  noiseForEpsilon,
  subsampledGaussianRdp,
  type SubsampledGaussian,
} from "../../../client/src/privacy/rdp";

// Reference sources (read at these commits):
//   TFP  = github.com/tensorflow/privacy @ 03035d5d4a271ac795dab80f5bc1cef82fc3d462
//   TFP0 = github.com/tensorflow/privacy @ ee35642b90e65a38f9d393aa8146380f1c35780d (last with rdp_accountant_test.py)
//   TFPT = github.com/tensorflow/privacy @ d435fcbf9af0d1ffd41ebc15ae23595124f7aa73 (tutorial table written)
//   OPA  = github.com/pytorch/opacus @ 4d0ebc84613d214fbfd37fbfd1390e3747a625ce

const run = (samplingRate: number, noiseMultiplier: number, steps: number): SubsampledGaussian => ({
  samplingRate,
  noiseMultiplier,
  steps,
});
const eps = (m: SubsampledGaussian, delta: number) => epsilonOf([m], delta);
const rdpAt = (m: SubsampledGaussian, order: number) => subsampledGaussianRdp(m)[RDP_ORDERS.indexOf(order)];
/** |got / expected - 1| */
const relErr = (got: number, expected: number) => Math.abs(got / expected - 1);

/** The pre-2020 RDP -> DP conversion, eps = min(rdp - log(delta) / (alpha - 1)), to check curves against numbers published with it. */
const classicEpsilon = (rdp: number[], delta: number) =>
  Math.min(...rdp.map((r, k) => r - Math.log(delta) / (RDP_ORDERS[k] - 1)));

describe("RDP_ORDERS", () => {
  it("are Opacus's RDPAccountant.DEFAULT_ALPHAS: 1.1..10.9 by 0.1, then 12..63", () => {
    expect(RDP_ORDERS).toHaveLength(151);
    expect(RDP_ORDERS.slice(0, 3)).toEqual([1.1, 1.2, 1.3]);
    expect(RDP_ORDERS[98]).toBe(10.9);
    expect(RDP_ORDERS.slice(99, 101)).toEqual([12, 13]);
    expect(RDP_ORDERS[150]).toBe(63);
    expect(RDP_ORDERS).not.toContain(11);
  });
});

describe("published reference values", () => {
  it("Opacus RDPAccountant: q 0.04, sigma 1.5, 2250 steps, delta 1e-5 -> 7.32911117143", () => {
    // OPA opacus/tests/accountants_test.py:96-104 (test_rdp_accountant), default alphas.
    expect(eps(run(0.04, 1.5, 2250), 1e-5)).toBeCloseTo(7.32911117143, 7);
  });

  it("TF Privacy compute_dp_sgd_privacy Test0: q 150/60000, sigma 1.3, 6000 steps, delta 1e-5 -> 0.7242234026, order 19", () => {
    // TFP tensorflow_privacy/privacy/analysis/compute_dp_sgd_privacy_test.py:42 (15 epochs of 60000 at batch 150).
    const got = epsilonFromRdp(subsampledGaussianRdp(run(150 / 60000, 1.3, 6000)), 1e-5);
    expect(got.epsilon).toBeCloseTo(0.7242234026109595, 9);
    expect(got.order).toBe(19);
  });

  it("TF Privacy compute_dp_sgd_privacy Test1: q 100/100000, sigma 1.0, 30000 steps, delta 1e-7 -> 1.4154988495, order 13", () => {
    // TFP tensorflow_privacy/privacy/analysis/compute_dp_sgd_privacy_test.py:43 (30 epochs of 100000 at batch 100).
    const got = epsilonFromRdp(subsampledGaussianRdp(run(100 / 100000, 1.0, 30000)), 1e-7);
    expect(got.epsilon).toBeCloseTo(1.4154988495444842, 9);
    expect(got.order).toBe(13);
  });

  it("TF Privacy example privacy with Poisson sampling: q 0.01, 120 steps, delta 1e-5", () => {
    // TFP compute_dp_sgd_privacy_test.py:88-89: 1.2 epochs at q 0.01 -> ceil(1.2 / 0.01) = 120 steps, sigma 0.7,
    // and with microbatching sigma 0.7 / 2. dp_accounting's own order list differs a little from Opacus's.
    expect(relErr(eps(run(0.01, 0.7, 120), 1e-5), 3.2392676)).toBeLessThan(0.001);
    expect(relErr(eps(run(0.01, 0.35, 120), 1e-5), 22.6248601)).toBeLessThan(0.01);
  });

  it("TF Privacy privacy statement: 10000 examples, batch 64, 5 epochs, sigma 2 halved, delta 1e-6 -> 1.616", () => {
    // TFP compute_dp_sgd_privacy_test.py:184-200: "Epsilon assuming Poisson sampling (*): 1.616";
    // microbatching halves sigma (compute_dp_sgd_privacy_lib.py), steps = ceil(5 / (64 / 10000)) = 782.
    expect(eps(run(64 / 10000, 1.0, 782), 1e-6)).toBeCloseTo(1.616, 3);
  });

  it("TF Privacy MNIST tutorial table (batch 256 of 60000, 234 steps per epoch, delta 1e-5)", () => {
    // TFP tutorials/README.md:90-128; the numbers were computed by TFPT tutorials/mnist_dpsgd_tutorial.py:130-141
    // (these same orders, steps = epochs x 60000 // 256) with the classic conversion of TFPT
    // privacy/analysis/rdp_accountant.py:216, so that is the conversion they check our RDP curve with.
    const table: [sigma: number, epochs: number, published: number][] = [
      [1.1, 1, 1.03],
      [1.1, 2, 1.11],
      [1.1, 60, 3.01],
      [1.3, 15, 1.19],
      [0.7, 45, 7.1],
    ];
    for (const [sigma, epochs, published] of table) {
      const rdp = subsampledGaussianRdp(run(256 / 60000, sigma, epochs * 234));
      expect(classicEpsilon(rdp, 1e-5)).toBeCloseTo(published, 2);
      // The improved (Balle et al.) conversion can only tighten it.
      expect(epsilonFromRdp(rdp, 1e-5).epsilon).toBeLessThan(published);
    }
  });

  it("TF Privacy rdp_accountant_test: RDP values at given orders", () => {
    // TFP0 tensorflow_privacy/privacy/analysis/rdp_accountant_test.py:92-93: compute_rdp(0.1, 2, 10, 5) = 0.07737.
    expect(rdpAt(run(0.1, 2, 10), 5)).toBeCloseTo(0.07737, 5);
    // Same file :106-111: compute_rdp(0.01, 2.5, 50, [1.5, 2.5, 5, 50, ...]), rtol 1e-4 (1.5 and 2.5 are fractional).
    const expected: [order: number, rdp: number][] = [
      [1.5, 6.5007e-4],
      [2.5, 1.0854e-3],
      [5, 2.1808e-3],
      [50, 2.3846e-2],
    ];
    for (const [order, rdp] of expected) expect(relErr(rdpAt(run(0.01, 2.5, 50), order), rdp)).toBeLessThan(1e-4);
  });

  it("TF Privacy rdp_accountant_test: constant RDP 1.1 on orders 2..32 at delta 1e-5 -> 1.32783806176 at order 32", () => {
    // TFP0 rdp_accountant_test.py:165-172; orders outside 2..32 are switched off with an infinite RDP.
    const rdp = RDP_ORDERS.map((a) => (Number.isInteger(a) && a >= 2 && a <= 32 ? 1.1 : Infinity));
    const got = epsilonFromRdp(rdp, 1e-5);
    expect(got.epsilon).toBeCloseTo(1.32783806176, 10);
    expect(got.order).toBe(32);
  });

  it("TF Privacy rdp_accountant_test: the Gaussian with sigma 4.530877117 is (1, 1e-6)-DP", () => {
    // TFP0 rdp_accountant_test.py:174-179 finds exactly 1 on a very fine order grid; ours is coarser, so a hair above.
    const got = eps(run(1, 4.530877117, 1), 1e-6);
    expect(got).toBeGreaterThanOrEqual(1 - 1e-9);
    expect(got).toBeLessThan(1.001);
  });

  it("Opacus rdp.py doctest: [(1e-5, 1.0, 10), (1e-4, 3.0, 4)] at delta 1e-5 -> 0.336", () => {
    // OPA opacus/accountants/analysis/rdp.py:32-43 (orders 2..32; the optimum, 23, is also in ours).
    expect(epsilonOf([run(1e-5, 1.0, 10), run(1e-4, 3.0, 4)], 1e-5)).toBeCloseTo(0.336, 3);
  });

  it("Opacus get_noise_multiplier: q 0.04, epsilon 8, delta 1e-5 -> 1.416 (2250 steps), 1.3562 (2000 steps)", () => {
    // OPA opacus/tests/accountants_test.py:131-161. Opacus bisects until epsilon is within 0.01 of the target,
    // we to the next 0.001 of sigma, so ours is at most 0.001 above the true threshold and Opacus's never below.
    expect(noiseForEpsilon({ samplingRate: 0.04, steps: 2250, delta: 1e-5, epsilon: 8 })).toBe(1.416);
    const ours = noiseForEpsilon({ samplingRate: 0.04, steps: 2000, delta: 1e-5, epsilon: 8 });
    expect(Math.abs(ours - 1.3562)).toBeLessThanOrEqual(0.001);
    expect(eps(run(0.04, 1.3562, 2000), 1e-5)).toBeLessThanOrEqual(8);
  });
});

describe("subsampledGaussianRdp closed forms", () => {
  it("q = 1 is the plain Gaussian: steps x alpha / (2 sigma^2)", () => {
    const rdp = subsampledGaussianRdp(run(1, 1.7, 25));
    RDP_ORDERS.forEach((a, k) => expect(rdp[k]).toBeCloseTo((25 * a) / (2 * 1.7 * 1.7), 12));
  });

  it("q = 0 releases nothing, whatever the noise", () => {
    expect(subsampledGaussianRdp(run(0, 1, 1000)).every((r) => r === 0)).toBe(true);
    expect(subsampledGaussianRdp(run(0, 0, 1000)).every((r) => r === 0)).toBe(true);
    expect(eps(run(0, 0, 1000), 1e-5)).toBe(0);
  });

  it("zero steps release nothing, even without noise", () => {
    expect(subsampledGaussianRdp(run(0.5, 0, 0)).every((r) => r === 0)).toBe(true);
  });

  it("sigma = 0 with sampling is no privacy: Infinity", () => {
    expect(subsampledGaussianRdp(run(0.01, 0, 1)).every((r) => r === Infinity)).toBe(true);
    expect(eps(run(0.01, 0, 1), 1e-5)).toBe(Infinity);
  });

  it("scales linearly with steps and never goes negative", () => {
    const one = subsampledGaussianRdp(run(0.02, 1.1, 1));
    const many = subsampledGaussianRdp(run(0.02, 1.1, 700));
    one.forEach((r, k) => expect(many[k]).toBeCloseTo(700 * r, 12));
    expect(subsampledGaussianRdp(run(1e-9, 50, 1)).every((r) => r >= 0)).toBe(true);
  });

  it("subsampling amplifies privacy: below the unsampled Gaussian at every order", () => {
    const sampled = subsampledGaussianRdp(run(0.3, 0.8, 1));
    const full = subsampledGaussianRdp(run(1, 0.8, 1));
    sampled.forEach((r, k) => expect(r).toBeLessThan(full[k]));
  });
});

describe("epsilon monotonicity", () => {
  const base = run(0.01, 1.0, 1000);

  it("more noise gives a smaller epsilon", () => {
    const e = [0.6, 0.8, 1.0, 1.5, 3].map((s) => eps({ ...base, noiseMultiplier: s }, 1e-5));
    for (let k = 1; k < e.length; k++) expect(e[k]).toBeLessThan(e[k - 1]);
  });

  it("more steps give a larger epsilon", () => {
    const e = [1, 10, 100, 1000, 10000].map((t) => eps({ ...base, steps: t }, 1e-5));
    for (let k = 1; k < e.length; k++) expect(e[k]).toBeGreaterThan(e[k - 1]);
  });

  it("a larger sampling rate gives a larger epsilon", () => {
    const e = [0.001, 0.005, 0.01, 0.05, 0.2, 0.5, 0.9, 1].map((q) => eps({ ...base, samplingRate: q }, 1e-5));
    for (let k = 1; k < e.length; k++) expect(e[k]).toBeGreaterThan(e[k - 1]);
  });

  it("a smaller delta gives a larger epsilon", () => {
    expect(eps(base, 1e-7)).toBeGreaterThan(eps(base, 1e-5));
  });
});

describe("epsilonFromRdp", () => {
  it("with vanishing RDP is the floor the largest order allows (for delta 1e-5), and never negative", () => {
    const tiny = RDP_ORDERS.map(() => 1e-300);
    const floor = epsilonFromRdp(tiny, 1e-5);
    expect(floor.order).toBe(63);
    expect(floor.epsilon).toBeCloseTo(-(Math.log(1e-5) + Math.log(63)) / 62 + Math.log(62 / 63), 12);
    expect(epsilonFromRdp(tiny, 0.9).epsilon).toBe(0);
  });

  it("with RDP exactly 0 (nothing released) is 0, like an empty list", () => {
    expect(
      epsilonFromRdp(
        RDP_ORDERS.map(() => 0),
        1e-5,
      ),
    ).toEqual({ epsilon: 0, order: 1.1 });
    expect(epsilonOf([run(0.3, 1, 0)], 1e-5)).toBe(0);
  });

  it("all-infinite RDP gives Infinity at the first order", () => {
    expect(
      epsilonFromRdp(
        RDP_ORDERS.map(() => Infinity),
        1e-5,
      ),
    ).toEqual({ epsilon: Infinity, order: 1.1 });
  });

  it("rejects a curve of the wrong length, negative or NaN values, and delta outside (0, 1)", () => {
    const ok = RDP_ORDERS.map(() => 0.1);
    expect(() => epsilonFromRdp([0.1, 0.2], 1e-5)).toThrow(/one value per RDP order \(151\), got 2/);
    expect(() =>
      epsilonFromRdp(
        ok.map((r, k) => (k === 3 ? -0.5 : r)),
        1e-5,
      ),
    ).toThrow(/rdp\[3\] \(order 1.4\) must be >= 0, got -0.5/);
    expect(() =>
      epsilonFromRdp(
        ok.map((r, k) => (k === 0 ? NaN : r)),
        1e-5,
      ),
    ).toThrow(/got NaN/);
    for (const delta of [0, 1, -1e-5, 2, NaN]) {
      expect(() => epsilonFromRdp(ok, delta)).toThrow(`delta must be a number in (0, 1), got ${delta}`);
    }
  });
});

describe("epsilonOf composition", () => {
  const a = run(0.02, 1.2, 400);
  const b = run(0.1, 3, 50);

  it("of [a, a] equals a with twice the steps", () => {
    expect(epsilonOf([a, a], 1e-5)).toBeCloseTo(eps({ ...a, steps: 800 }, 1e-5), 12);
  });

  it("sums RDP curves of different runs (not epsilons), and costs more than either run", () => {
    const rdpB = subsampledGaussianRdp(b);
    const sum = subsampledGaussianRdp(a).map((r, k) => r + rdpB[k]);
    const both = epsilonOf([a, b], 1e-5);
    expect(both).toBeCloseTo(epsilonFromRdp(sum, 1e-5).epsilon, 12);
    expect(both).toBeGreaterThan(Math.max(eps(a, 1e-5), eps(b, 1e-5)));
    expect(both).toBeLessThan(eps(a, 1e-5) + eps(b, 1e-5));
  });

  it("of no runs is 0, and still checks delta", () => {
    expect(epsilonOf([], 1e-5)).toBe(0);
    expect(() => epsilonOf([], 0)).toThrow(/delta must be a number in \(0, 1\), got 0/);
  });
});

describe("noiseForEpsilon", () => {
  const cases = [
    { samplingRate: 0.01, steps: 1000, delta: 1e-5, epsilon: 1 },
    { samplingRate: 256 / 60000, steps: 14040, delta: 1e-5, epsilon: 3 },
    { samplingRate: 0.25, steps: 20, delta: 1e-6, epsilon: 5 },
    { samplingRate: 1, steps: 10, delta: 1e-5, epsilon: 2 },
    { samplingRate: 0.001, steps: 100, delta: 1e-5, epsilon: 50 },
  ];

  it("returns the smallest multiple of 0.001 that meets the target", () => {
    for (const target of cases) {
      const sigma = noiseForEpsilon(target);
      expect(Math.round(sigma * 1000) / 1000).toBe(sigma);
      const at = (s: number) => eps(run(target.samplingRate, s, target.steps), target.delta);
      expect(at(sigma)).toBeLessThanOrEqual(target.epsilon);
      expect(at(sigma - 0.001)).toBeGreaterThan(target.epsilon);
    }
  });

  it("needs no noise when nothing is released", () => {
    expect(noiseForEpsilon({ samplingRate: 0, steps: 1000, delta: 1e-5, epsilon: 1 })).toBe(0);
    expect(noiseForEpsilon({ samplingRate: 0.5, steps: 0, delta: 1e-5, epsilon: 0 })).toBe(0);
  });

  it("throws when even infinite noise cannot reach the target with these orders", () => {
    // The largest order, 63, keeps epsilon above ~0.103 at delta 1e-5 however much noise is added.
    expect(() => noiseForEpsilon({ samplingRate: 0.01, steps: 100, delta: 1e-5, epsilon: 0.05 })).toThrow(
      /epsilon 0.05 is unreachable at delta 0.00001: with these RDP orders no noise gives less than 0.10/,
    );
  });

  it("throws when the noise needed is above MAX_NOISE_MULTIPLIER", () => {
    // q = 1, 1e9 steps: at sigma 1e6 the RDP at order 63 is still 1e9 x 63 / 2e12 = 0.0315 above the floor.
    const floor = epsilonFromRdp(
      RDP_ORDERS.map(() => 1e-300),
      1e-5,
    ).epsilon;
    expect(() => noiseForEpsilon({ samplingRate: 1, steps: 1e9, delta: 1e-5, epsilon: floor + 0.001 })).toThrow(
      `needs a noise multiplier above ${MAX_NOISE_MULTIPLIER}`,
    );
  });

  it("rejects out-of-range inputs, naming the field and the value", () => {
    const ok = { samplingRate: 0.01, steps: 100, delta: 1e-5, epsilon: 1 };
    expect(() => noiseForEpsilon({ ...ok, samplingRate: 1.5 })).toThrow(
      "samplingRate must be a number in [0, 1], got 1.5",
    );
    expect(() => noiseForEpsilon({ ...ok, steps: 2.5 })).toThrow("steps must be a non-negative integer, got 2.5");
    expect(() => noiseForEpsilon({ ...ok, delta: 1 })).toThrow("delta must be a number in (0, 1), got 1");
    for (const epsilon of [-1, NaN, Infinity]) {
      expect(() => noiseForEpsilon({ ...ok, epsilon })).toThrow(`epsilon must be a finite number >= 0, got ${epsilon}`);
    }
  });
});

describe("input validation", () => {
  it("rejects a sampling rate outside [0, 1]", () => {
    for (const q of [-0.1, 1.01, NaN]) {
      expect(() => subsampledGaussianRdp(run(q, 1, 10))).toThrow(`samplingRate must be a number in [0, 1], got ${q}`);
    }
  });

  it("rejects a negative or non-finite noise multiplier", () => {
    for (const s of [-1, NaN, Infinity]) {
      expect(() => subsampledGaussianRdp(run(0.1, s, 10))).toThrow(
        `noiseMultiplier must be a finite number >= 0, got ${s}`,
      );
    }
  });

  it("rejects steps that are not a non-negative integer", () => {
    for (const t of [-1, 1.5, NaN, Infinity]) {
      expect(() => subsampledGaussianRdp(run(0.1, 1, t))).toThrow(`steps must be a non-negative integer, got ${t}`);
    }
  });

  it("epsilonOf checks every run", () => {
    expect(() => epsilonOf([run(0.1, 1, 10), run(0.1, -2, 10)], 1e-5)).toThrow(/noiseMultiplier .* got -2/);
  });
});
