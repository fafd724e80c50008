/**
 * What a model owner chooses when creating a task, the one set of defaults every tool uses (the
 * demo, the fl: tasks, the web form, the tests), and their validation into settings the contract
 * accepts. Pure: no I/O, no tfjs.
 */
import {
  compresses,
  encodingName,
  parseCompressFlag,
  type EncodingKind,
  type EncodingSpec,
  type UpdateEncoding,
} from "../codec/encoding";
import { MAX_VALUE_BITS, MAX_WORDS_PER_CHUNK, MIN_VALUE_BITS, type CodecParams } from "../codec/layout";
import type { IFLuFHEAggregator } from "../../../types/contracts/FLuFHEAggregator";
import { chooseCodec, planSubmission, type SubmissionPlan } from "./plan";
import { checkPrivacyPromise, toOnChainPrivacy, type PrivacyTerms } from "./privacy";
import type { ModelKind } from "./modelSpec";
import { onChainClip, toOnChainCodec } from "./taskConfig";
import { Policy } from "./vocabulary";

/** The longest round the contract accepts (createTask reverts RoundDurationTooLong above it). */
export const MAX_ROUND_DURATION = 365 * 24 * 3600;

/**
 * Defaults, documented once:
 * - valueBits 16, clip 1: the demo's plaintext baseline column compares 16-bit with float FedAvg on every run
 *   (96.49 % both on the defaults, docs/cost-and-benchmarks.md "The demo, measured"), and
 *   C = 1 leaves room for the first rounds' large deltas; lower both to cut cost.
 * - minCohort K = 3: with K = 2 each contributor can subtract its own update from the revealed sum and
 *   read the other's exactly; 2 is accepted only when asked for, with a warning.
 * - maxCohort 16: 8-bit values then fit 12-bit lanes (10 per word), 16-bit values 20-bit lanes (6).
 * - roundDuration one day: long enough for an MNIST round on a laptop, short enough to unblock a
 *   stalled cohort the same day (anyone may close after the deadline).
 */
export const TASK_DEFAULTS = {
  valueBits: 16,
  clip: 1,
  sampleCap: 0,
  weightFloor: 1,
  minCohort: 3,
  maxCohort: 16,
  rounds: 3,
  roundDuration: 24 * 3600,
  policy: Policy.Participants as number,
};

/**
 * Defaults of a task whose spec names a compressing encoding (codec/encoding.ts): 3-bit stochastic
 * codes (levels -3..3; lanes of 6 bits hold up to 9 contributors, 7 bits up to 18) and a clip of the
 * compressed coordinates at 0.18 (step 0.06), the best of the settings `npm run bench:learning` measured
 * (docs/cost-and-benchmarks.md, "Compressed updates": the sweep's compressed rows use 0.18; an earlier dct:10
 * run used 0.12; a 0.24 run is not recorded there).
 */
export const ENCODED_DEFAULTS = { valueBits: 3, clip: 0.18 };

/**
 * lowrank's and pca's defaults: 4-bit codes (levels -7..7). Their few coordinates carry each compressed
 * matrix's energy, so their precision pays. lowrank: at the same words, rank 11 with 4-bit values beat rank 14
 * with 3-bit values on every LeNet check (MNIST 0.22 against 0.40 pp below plaintext after 10 rounds,
 * Fashion-MNIST seeds 1-3 0.86 / 0.99 / 0.84 against 1.16 / 1.03 / 1.04 pp). pca: at the words rule's keep on
 * the permuted-MNIST MLP, 4-bit values ended within 0.15 pp on seeds 9-12, 1, 4 and 7 where 3-bit values ended
 * 0.01-0.56 pp and 1.17 / 1.79 / 0.98 pp off (docs/cost-and-benchmarks.md, "Compressed updates").
 */
export const FOUR_BIT_DEFAULTS = { valueBits: 4, clip: 0.18 };

/** The value bits and clip a task takes when its owner sets neither, by its encoding's kind (undefined: today's codec). */
export function codecDefaults(kind: EncodingKind | undefined): { valueBits: number; clip: number } {
  if (!compresses(kind)) return { valueBits: TASK_DEFAULTS.valueBits, clip: TASK_DEFAULTS.clip };
  return kind === "lowrank" || kind === "pca" ? FOUR_BIT_DEFAULTS : ENCODED_DEFAULTS;
}

/** The defaults as a flag's help says them: "3-bit values, clip 0.18 (lowrank, pca: 4-bit values, clip 0.18)". */
export function encodedDefaultsText(): string {
  const say = (d: { valueBits: number; clip: number }) => `${d.valueBits}-bit values, clip ${d.clip}`;
  return `${say(ENCODED_DEFAULTS)} (lowrank, pca: ${say(FOUR_BIT_DEFAULTS)})`;
}

/**
 * The encoding a new task gets when its owner names none, by model kind; uncompressed stays one flag away
 * (`--compress none`). A default here must hold on data it was not chosen on (issue 21):
 * - lenet: lowrank:11 (with FOUR_BIT_DEFAULTS' 4-bit values), the words rule's rank: the largest whose words
 *   stay within a tenth of the 8-bit codec's for cohorts of 3 to 32 (521 words, 10.8x fewer). After 10 rounds it
 *   held 1 pp of plaintext FedAvg on MNIST (0.22 pp) and on Fashion-MNIST seeds 1-3, which nobody tuned it on
 *   (0.86, 0.99, 0.84 pp); on the devnet 828 gas and 2,226 HCU per parameter, bit for bit. Started from published
 *   weights (an MNIST-trained LeNet fine-tuned on Fashion-MNIST) it ended 1.26 pp below, outside the line. Earlier lenet
 *   defaults failed that check: lowrank:8 (3.8 pp on Fashion-MNIST), lowrank:14 at 3-bit values (1.16 pp).
 * - logreg, mlp: none. dct:10 met the targets on MNIST but lost 2.5-3.2 pp on Fashion-MNIST, and nothing without
 *   public data held 1 pp at 10x on the permuted-pixel MLP (the tabular stand-in). With public records of the
 *   inputs (PUBLIC_SAMPLE_DEFAULTS) they get pca at the words rule's keep. cnn: none, no encoding measured on it.
 */
export const DEFAULT_ENCODINGS: Readonly<Partial<Record<ModelKind, EncodingSpec>>> = {
  lenet: { kind: "lowrank", rank: 11, firstFactor: "downstream" },
};

/** The kinds' defaults for a flag's help: "none for every kind", or e.g. "dct:10 for mlp, none for the other kinds". */
export function defaultEncodingsText(): string {
  const named = Object.entries(DEFAULT_ENCODINGS).map(([kind, e]) => `${encodingName(e!)} for ${kind}`);
  const text = named.length ? `${named.join(", ")}, none for the other kinds` : "none for every kind";
  const pca = Object.keys(PUBLIC_SAMPLE_DEFAULTS).join(" and ");
  return `${text}; with public records, pca (the words rule's keep) for ${pca}`;
}

/**
 * The defaults when the owner has public records of the task's inputs (`--public-data`, `--public-share`):
 * pca with the words rule's keep for the kinds whose first layer is dense. Within 1 pp of plaintext FedAvg
 * after 10 rounds on the permuted-pixel MLP (three seeds at 11-13x fewer words) and on MNIST and Fashion-MNIST
 * images, where it beat dct:10 (docs/cost-and-benchmarks.md, "Stop 35").
 */
export const PUBLIC_SAMPLE_DEFAULTS: Readonly<Partial<Record<ModelKind, EncodingSpec>>> = {
  logreg: { kind: "pca" },
  mlp: { kind: "pca" },
};

/**
 * A new task's encoding: the `--compress` text when given, else the kind's default (undefined: today's
 * codec), which with public records of the inputs (`publicSample`) is PUBLIC_SAMPLE_DEFAULTS' where it has one.
 */
export function newTaskEncoding(
  kind: ModelKind,
  compress: string | undefined,
  publicSample = false,
): EncodingSpec | undefined {
  if (compress !== undefined) return parseCompressFlag(compress);
  return (publicSample ? PUBLIC_SAMPLE_DEFAULTS[kind] : undefined) ?? DEFAULT_ENCODINGS[kind];
}

/** What the owner may set; anything left out takes TASK_DEFAULTS or the planner's choice. */
export interface TaskChoices {
  valueBits?: number;
  clip?: number;
  sampleCap?: number;
  weightFloor?: number;
  /** Default: the narrowest lane the cohort allows. */
  laneBits?: number;
  /** Default: the largest chunk under the per-transaction HCU and gas caps. */
  wordsPerChunk?: number;
  minCohort?: number;
  maxCohort?: number;
  rounds?: number;
  roundDuration?: number;
  policy?: number;
}

/** Settings the contract accepts, with the codec exactly as the chain will store it. */
export interface TaskSettings {
  codec: CodecParams;
  plan: SubmissionPlan;
  minCohort: number;
  maxCohort: number;
  rounds: number;
  roundDuration: number;
  policy: number;
}

export interface CheckedChoices {
  /** Present when there are no errors and the parameter count is known. */
  settings?: TaskSettings;
  /** What blocks creation, each phrased as what to fix. */
  errors: string[];
  /** Allowed, but probably not what the owner wants. */
  warnings: string[];
}

const intIn = (v: number, lo: number, hi: number) => Number.isSafeInteger(v) && v >= lo && v <= hi;

export const PAIR_COHORT_WARNING =
  "a minimum cohort of 2 lets each of the two contributors subtract its own update from the revealed sum " +
  "and read the other's exactly: use 3 or more unless both sides accept that";

/**
 * Validates an owner's choices for a model of `paramCount` parameters (undefined: not known yet). With
 * the task's encoding, the chain's paramCount is what the encoding sends (its compressed coordinates and
 * weight digits) and costs are per model parameter.
 */
export function checkTaskChoices(
  paramCount: number | undefined,
  choices: TaskChoices,
  encoding?: Pick<UpdateEncoding, "spec" | "paramCount">,
): CheckedChoices {
  const c = { ...TASK_DEFAULTS, ...codecDefaults(encoding?.spec.kind), ...stripUndefined(choices) };
  const errors: string[] = [];
  const warnings: string[] = [];
  if (!intIn(c.minCohort, 2, 65535))
    errors.push(`the minimum cohort K must be an integer of at least 2, got ${c.minCohort}`);
  else if (c.minCohort === 2) warnings.push(PAIR_COHORT_WARNING);
  if (!intIn(c.maxCohort, 1, 65535))
    errors.push(`the maximum cohort must be an integer in [1, 65535], got ${c.maxCohort}`);
  else if (c.maxCohort < c.minCohort) {
    errors.push(`the maximum cohort (${c.maxCohort}) must be at least the minimum cohort K (${c.minCohort})`);
  }
  if (!intIn(c.rounds, 1, 2 ** 32 - 1)) errors.push(`rounds must be a positive integer, got ${c.rounds}`);
  if (!intIn(c.roundDuration, 1, MAX_ROUND_DURATION)) {
    errors.push(
      `the round duration must be whole seconds in [1, ${MAX_ROUND_DURATION}] (a year), got ${c.roundDuration}`,
    );
  }
  if (c.policy !== Policy.Participants && c.policy !== Policy.Public) errors.push(`unknown policy ${c.policy}`);
  if (!intIn(c.valueBits, MIN_VALUE_BITS, MAX_VALUE_BITS)) {
    errors.push(`value bits must be an integer in [${MIN_VALUE_BITS}, ${MAX_VALUE_BITS}], got ${c.valueBits}`);
  }
  let clip = c.clip;
  try {
    clip = onChainClip(c.clip);
  } catch (error) {
    errors.push((error as Error).message);
  }
  if (choices.wordsPerChunk !== undefined && !intIn(choices.wordsPerChunk, 1, MAX_WORDS_PER_CHUNK)) {
    errors.push(
      `words per chunk must be an integer in [1, ${MAX_WORDS_PER_CHUNK}] (the per-transaction HCU cap), got ${choices.wordsPerChunk}`,
    );
  }
  if (paramCount === undefined || errors.length > 0) return { errors, warnings };
  try {
    const chosen = chooseCodec({
      paramCount,
      maxCohort: c.maxCohort,
      valueBits: c.valueBits,
      clip,
      sampleCap: c.sampleCap,
      weightFloor: c.weightFloor,
    });
    const codec: CodecParams = {
      ...chosen,
      laneBits: choices.laneBits ?? chosen.laneBits,
      wordsPerChunk: choices.wordsPerChunk ?? chosen.wordsPerChunk,
    };
    if (encoding) codec.paramCount = encoding.paramCount(codec);
    const plan = planSubmission(codec, c.maxCohort, undefined, paramCount);
    const { minCohort, maxCohort, rounds, roundDuration, policy } = c;
    return { settings: { codec, plan, minCohort, maxCohort, rounds, roundDuration, policy }, errors, warnings };
  } catch (error) {
    return { errors: [(error as Error).message], warnings };
  }
}

/** Like checkTaskChoices, for callers that stop on the first problem (the CLI tools). */
export function taskSettings(
  paramCount: number,
  choices: TaskChoices,
  encoding?: Pick<UpdateEncoding, "spec" | "paramCount">,
): TaskSettings & { warnings: string[] } {
  const { settings, errors, warnings } = checkTaskChoices(paramCount, choices, encoding);
  if (!settings) throw new Error(errors.join("; "));
  return { ...settings, warnings };
}

/**
 * Why a DP task weighs every contributor equally: a weight from the sample count would reveal the count
 * (summed) in the aggregate, outside what DP-SGD's noise covers.
 */
export const DP_SAMPLE_CAP_ERROR =
  "a task with differential privacy weighs every contributor equally (sample cap 0): weighting by sample " +
  "counts would reveal them in the aggregate, outside the DP guarantee";

/**
 * The createTask configuration for settings and a model commitment; `model.privacy` is the spec's DP
 * promise, checked against the task's rounds (the chain stores it next to the codec).
 */
export function taskConfig(
  settings: TaskSettings,
  model: { modelHash: string; modelURI: string; privacy?: PrivacyTerms },
): IFLuFHEAggregator.TaskConfigStruct {
  checkPrivacyPromise(model.privacy, model.privacy, settings.rounds);
  if (model.privacy && settings.codec.sampleCap !== 0) throw new Error(DP_SAMPLE_CAP_ERROR);
  return {
    modelHash: model.modelHash,
    modelURI: model.modelURI,
    codec: toOnChainCodec(settings.codec),
    minCohort: settings.minCohort,
    maxCohort: settings.maxCohort,
    rounds: settings.rounds,
    roundDuration: settings.roundDuration,
    policy: settings.policy,
    privacy: toOnChainPrivacy(model.privacy),
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
