/**
 * A task's record-level differential-privacy promise: every participant trains each round with DP-SGD
 * (ml/dpTrain.ts) at these settings, and the accountant (privacy/rdp.ts) turns them into the epsilon the
 * whole task costs each participant's records. The terms live in the model spec (so in the task's
 * commitment) and in the contract's TaskConfig (so anyone reads the promise on chain); a participant
 * checks that both agree and that the epsilon is what the accountant computes before it trains.
 * Pure: no I/O, no tfjs.
 */
import type { IFLuFHEAggregator } from "../../../types/contracts/FLuFHEAggregator";
import { epsilonOf, noiseForEpsilon, type SubsampledGaussian } from "../privacy/rdp";

export interface PrivacyTerms {
  /** sigma: the Gaussian noise's standard deviation is noiseMultiplier x clipNorm per step. */
  noiseMultiplier: number;
  /** L2 bound of one record's gradient (all trainable parameters together). */
  clipNorm: number;
  /** Poisson sampling: each local step takes each record independently with this probability. */
  samplingRate: number;
  /** DP-SGD steps a participant runs in one round (about stepsPerRound x samplingRate epochs). */
  stepsPerRound: number;
  delta: number;
  /** What the task's rounds cost each participant's records at `delta` (rounded up: never understated). */
  epsilon: number;
}

/** Units the contract stores each term in: every term must be a whole number of them. */
export const PRIVACY_UNITS = {
  noiseMultiplier: 1e6,
  clipNorm: 1e6,
  samplingRate: 1e9,
  delta: 1e18,
  epsilon: 1e6,
} as const;

const UINT32_MAX = 2 ** 32 - 1;
/** A noise multiplier or clip above this does not fit the chain's uint32 millionths. */
const MAX_MICROS_VALUE = UINT32_MAX / 1e6;
const MAX_STEPS_PER_ROUND = 1_000_000;

/** The promise as the contract stores it (all zero: the task makes no DP promise). */
export type OnChainPrivacy = IFLuFHEAggregator.PrivacyTermsStruct;

export const NO_PRIVACY: OnChainPrivacy = {
  noiseMicros: 0,
  clipMicros: 0,
  samplingNanos: 0,
  stepsPerRound: 0,
  deltaAtto: 0n,
  epsilonMicros: 0,
};

function inUnits(name: string, value: number, units: number): bigint {
  const scaled = value * units;
  const whole = Math.round(scaled);
  if (Math.abs(scaled - whole) > 1e-9 * Math.max(1, Math.abs(scaled))) {
    throw new Error(`privacy ${name} ${value} is not a whole number of the chain's 1/${units} units`);
  }
  return BigInt(whole);
}

function checkRange(name: string, value: unknown, ok: (v: number) => boolean, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || !ok(value)) {
    throw new Error(`privacy ${name} must be ${what}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Validates privacy terms from any source (a spec file, a task's URI) and returns only known fields. */
export function parsePrivacyTerms(value: unknown): PrivacyTerms {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(
      "privacy must be an object {noiseMultiplier, clipNorm, samplingRate, stepsPerRound, delta, epsilon}",
    );
  }
  const v = value as Record<string, unknown>;
  const terms: PrivacyTerms = {
    noiseMultiplier: checkRange(
      "noiseMultiplier",
      v.noiseMultiplier,
      (x) => x > 0 && x <= MAX_MICROS_VALUE,
      `a number in (0, ${Math.floor(MAX_MICROS_VALUE)}]`,
    ),
    clipNorm: checkRange(
      "clipNorm",
      v.clipNorm,
      (x) => x > 0 && x <= MAX_MICROS_VALUE,
      `a number in (0, ${Math.floor(MAX_MICROS_VALUE)}]`,
    ),
    samplingRate: checkRange("samplingRate", v.samplingRate, (x) => x > 0 && x <= 1, "a probability in (0, 1]"),
    stepsPerRound: checkRange(
      "stepsPerRound",
      v.stepsPerRound,
      (x) => Number.isInteger(x) && x >= 1 && x <= MAX_STEPS_PER_ROUND,
      `an integer in [1, ${MAX_STEPS_PER_ROUND}]`,
    ),
    delta: checkRange("delta", v.delta, (x) => x > 0 && x < 1, "a number in (0, 1)"),
    epsilon: checkRange(
      "epsilon",
      v.epsilon,
      (x) => x > 0 && x <= MAX_MICROS_VALUE,
      `a number in (0, ${Math.floor(MAX_MICROS_VALUE)}]`,
    ),
  };
  toOnChainPrivacy(terms); // every term must be exactly what the chain stores
  return terms;
}

/** One round of a participant's local training under `terms`, as the accountant sees it. */
export function roundMechanism(terms: PrivacyTerms): SubsampledGaussian {
  return { samplingRate: terms.samplingRate, noiseMultiplier: terms.noiseMultiplier, steps: terms.stepsPerRound };
}

/** What `rounds` rounds under `terms` cost each participant's records, computed (not the stated figure). */
export function taskEpsilon(terms: Omit<PrivacyTerms, "epsilon">, rounds: number): number {
  const mechanism = roundMechanism({ ...terms, epsilon: 1 });
  return epsilonOf([{ ...mechanism, steps: mechanism.steps * rounds }], terms.delta);
}

/** Rounds `value` up to the next whole `1/units` (a stated epsilon or noise must never be too small). */
function ceilTo(value: number, units: number): number {
  return Math.ceil(value * units - 1e-9) / units;
}

/** What an owner gives: the target epsilon (noise derived) or the noise (epsilon reported). */
export interface PrivacyChoices {
  /** Target epsilon for the whole task; the smallest noise reaching it is chosen. */
  epsilon?: number;
  /** The noise multiplier; epsilon is then what the accountant gives for it. */
  noiseMultiplier?: number;
  delta: number;
  clipNorm: number;
  samplingRate: number;
  /** Default: one expected epoch, round(1 / samplingRate). */
  stepsPerRound?: number;
}

/** Defaults of a DP task: delta 1e-5 (below 1/n for silos up to ~100,000 records), clip 1, ~1% of the records per step. */
export const PRIVACY_DEFAULTS = { delta: 1e-5, clipNorm: 1, samplingRate: 0.01 } as const;

/** The terms of a task of `rounds` rounds from an owner's choices; throws with what to fix. */
export function privacyFromChoices(choices: PrivacyChoices, rounds: number): PrivacyTerms {
  const { epsilon, noiseMultiplier, delta, clipNorm, samplingRate } = choices;
  if ((epsilon === undefined) === (noiseMultiplier === undefined)) {
    throw new Error("give either the target epsilon or the noise multiplier of a DP task (one, not both)");
  }
  const stepsPerRound = choices.stepsPerRound ?? Math.max(1, Math.round(1 / samplingRate));
  const base = { clipNorm, samplingRate, stepsPerRound, delta };
  const noise =
    noiseMultiplier ?? noiseForEpsilon({ samplingRate, delta, epsilon: epsilon!, steps: stepsPerRound * rounds });
  const terms = { ...base, noiseMultiplier: ceilTo(noise, PRIVACY_UNITS.noiseMultiplier) };
  return parsePrivacyTerms({ ...terms, epsilon: ceilTo(taskEpsilon(terms, rounds), PRIVACY_UNITS.epsilon) });
}

/** The terms in the contract's units (NO_PRIVACY when the task makes no promise). */
export function toOnChainPrivacy(terms: PrivacyTerms | undefined): OnChainPrivacy {
  if (!terms) return NO_PRIVACY;
  const u32 = (name: string, v: bigint) => {
    if (v > BigInt(UINT32_MAX)) throw new Error(`privacy ${name} is too large for the chain`);
    return Number(v);
  };
  return {
    noiseMicros: u32(
      "noiseMultiplier",
      inUnits("noiseMultiplier", terms.noiseMultiplier, PRIVACY_UNITS.noiseMultiplier),
    ),
    clipMicros: u32("clipNorm", inUnits("clipNorm", terms.clipNorm, PRIVACY_UNITS.clipNorm)),
    samplingNanos: u32("samplingRate", inUnits("samplingRate", terms.samplingRate, PRIVACY_UNITS.samplingRate)),
    stepsPerRound: terms.stepsPerRound,
    deltaAtto: inUnits("delta", terms.delta, PRIVACY_UNITS.delta),
    epsilonMicros: u32("epsilon", inUnits("epsilon", terms.epsilon, PRIVACY_UNITS.epsilon)),
  };
}

/** The terms a task stores on chain, or undefined for a task without a DP promise. */
export function privacyFromChain(
  p: IFLuFHEAggregator.PrivacyTermsStructOutput | OnChainPrivacy,
): PrivacyTerms | undefined {
  if (BigInt(p.noiseMicros) === 0n) return undefined;
  return {
    noiseMultiplier: Number(p.noiseMicros) / PRIVACY_UNITS.noiseMultiplier,
    clipNorm: Number(p.clipMicros) / PRIVACY_UNITS.clipNorm,
    samplingRate: Number(p.samplingNanos) / PRIVACY_UNITS.samplingRate,
    stepsPerRound: Number(p.stepsPerRound),
    delta: Number(p.deltaAtto) / PRIVACY_UNITS.delta,
    epsilon: Number(p.epsilonMicros) / PRIVACY_UNITS.epsilon,
  };
}

/**
 * Throws unless the spec's terms and the chain's are the same promise and its epsilon is not smaller
 * than what the accountant computes for the task's rounds: a participant checks this before it trains.
 */
export function checkPrivacyPromise(
  spec: PrivacyTerms | undefined,
  chain: PrivacyTerms | undefined,
  rounds: number,
): void {
  if (!spec && !chain) return;
  if (!spec || !chain) {
    throw new Error(
      `the task's spec ${spec ? "promises" : "makes no"} differential privacy but its on-chain terms ${chain ? "do" : "do not"}: ` +
        "the task is inconsistent, do not train on it",
    );
  }
  const fields = Object.keys(PRIVACY_UNITS) as (keyof typeof PRIVACY_UNITS)[];
  const differs = [...fields, "stepsPerRound" as const].filter((k) => spec[k] !== chain[k]);
  if (differs.length > 0) {
    throw new Error(
      `the task's spec and its on-chain privacy terms differ in ${differs.join(", ")}: do not train on it`,
    );
  }
  const computed = taskEpsilon(chain, rounds);
  if (computed > chain.epsilon + 1 / PRIVACY_UNITS.epsilon) {
    throw new Error(
      `the task promises epsilon ${chain.epsilon} but its terms cost ${computed.toFixed(4)} over ${rounds} rounds ` +
        `at delta ${chain.delta}: the promise is understated, do not train on it`,
    );
  }
}

/** "epsilon 3 at delta 1e-05 over the task (noise 1.1, clip 1, sampling 0.01, 100 steps per round)". */
export function describePrivacy(terms: PrivacyTerms | undefined): string {
  if (!terms) return "no differential privacy (only encryption protects the updates)";
  return (
    `epsilon ${terms.epsilon} at delta ${terms.delta} for each participant's records over the whole task ` +
    `(DP-SGD: noise ${terms.noiseMultiplier}, clip ${terms.clipNorm}, sampling ${terms.samplingRate}, ` +
    `${terms.stepsPerRound} steps per round)`
  );
}

/** The DP flags of `fl:create-task`, `npm run demo` and the web form, as typed (all optional). */
export interface PrivacyOptions {
  epsilon?: number;
  noise?: number;
  delta?: number;
  clip?: number;
  sampling?: number;
  steps?: number;
}

/**
 * The terms the owner's DP options ask for over `rounds` rounds: undefined when neither a target
 * epsilon nor a noise multiplier is given (and then no other DP option may be), else PRIVACY_DEFAULTS
 * for what is left out.
 */
export function privacyFromOptions(o: PrivacyOptions, rounds: number): PrivacyTerms | undefined {
  if (o.epsilon === undefined && o.noise === undefined) {
    const stray = (["delta", "clip", "sampling", "steps"] as const).filter((k) => o[k] !== undefined);
    if (stray.length > 0) {
      throw new Error(
        `the DP option(s) ${stray.join(", ")} need a target epsilon or a noise multiplier (--dp-epsilon or --dp-noise)`,
      );
    }
    return undefined;
  }
  return privacyFromChoices(
    {
      epsilon: o.epsilon,
      noiseMultiplier: o.noise,
      delta: o.delta ?? PRIVACY_DEFAULTS.delta,
      clipNorm: o.clip ?? PRIVACY_DEFAULTS.clipNorm,
      samplingRate: o.sampling ?? PRIVACY_DEFAULTS.samplingRate,
      stepsPerRound: o.steps,
    },
    rounds,
  );
}

/** The same options as the command-line tools name them (`--dp-epsilon` -> dpEpsilon): the demo and fl:create-task. */
export interface DpFlags {
  dpEpsilon?: number;
  dpNoise?: number;
  dpDelta?: number;
  dpClip?: number;
  dpSampling?: number;
  dpSteps?: number;
}

/** privacyFromOptions for the tools' `--dp-*` flags. */
export function privacyFromFlags(f: DpFlags, rounds: number): PrivacyTerms | undefined {
  return privacyFromOptions(
    {
      epsilon: f.dpEpsilon,
      noise: f.dpNoise,
      delta: f.dpDelta,
      clip: f.dpClip,
      sampling: f.dpSampling,
      steps: f.dpSteps,
    },
    rounds,
  );
}
