import { getAddress, isAddress } from "ethers";
import { compresses, type UpdateEncoding } from "../../client/src/codec/encoding";
import {
  MAX_VALUE_BITS,
  MAX_WORDS_PER_CHUNK,
  MIN_VALUE_BITS,
  WORD_BITS,
  type CodecParams,
} from "../../client/src/codec/layout";
import {
  DEFAULT_HIDDEN,
  parseIntList,
  specFromChoices,
  type ModelKind,
  type ModelSpec,
} from "../../client/src/protocol/modelSpec";
import type { SubmissionPlan } from "../../client/src/protocol/plan";
import type { PrivacyTerms } from "../../client/src/protocol/privacy";
import {
  DP_SAMPLE_CAP_ERROR,
  MAX_ROUND_DURATION,
  TASK_DEFAULTS,
  checkTaskChoices,
  type TaskChoices,
  type TaskSettings,
} from "../../client/src/protocol/taskChoices";
import { privacyErrors, type PrivacyDraft } from "./privacyForm";

/** Why `token` is not an address, in the owner's terms: a mistyped checksum is told apart from a wrong length. */
export function addressProblem(token: string): string {
  const hex = token.replace(/^0x/i, "");
  if (/^[0-9a-fA-F]{40}$/.test(hex)) {
    return (
      `${token} has a wrong checksum: its mix of upper- and lower-case letters does not match the address, so a ` +
      "character was probably mistyped (copy it again; all in lower case skips the check)"
    );
  }
  if (/^[0-9a-fA-F]*$/.test(hex)) {
    return `"${token}" is not an address: an address is 0x followed by 40 hex digits, this one has ${hex.length}`;
  }
  return `"${token}" is not an address: an address is 0x followed by 40 hex digits (0-9, a-f)`;
}

/** Addresses pasted by the owner (any mix of spaces, commas, newlines), checksummed and deduplicated. */
export function parseAddresses(text: string): { addresses: string[]; errors: string[] } {
  const tokens = text.split(/[\s,;]+/).filter((t) => t.length > 0);
  const addresses: string[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const t of tokens) {
    if (!isAddress(t)) {
      errors.push(addressProblem(t));
      continue;
    }
    const a = getAddress(t.toLowerCase());
    if (a === "0x0000000000000000000000000000000000000000") errors.push("the zero address cannot take part");
    else if (seen.has(a)) errors.push(`${a} is listed twice`);
    else {
      seen.add(a);
      addresses.push(a);
    }
  }
  return { addresses, errors };
}

/** The model inputs as typed. */
export interface SpecFields {
  /** Shown in the task list and on the task page; in the spec, so in the commitment. */
  name: string;
  description: string;
  kind: string;
  inputShape: string;
  numClasses: string;
  hidden: string;
  seed: string;
  /** Partial training: the leading layers with weights that keep the initial values ("" or 0: none). */
  frozenLayers: string;
}

export const INITIAL_SPEC_FIELDS: SpecFields = {
  name: "",
  description: "",
  kind: "logreg",
  inputShape: "30",
  numClasses: "2",
  hidden: DEFAULT_HIDDEN.mlp.join(", "),
  seed: "1",
  frozenLayers: "",
};

/** How the form names each model kind. */
export const MODEL_KIND_LABELS: Record<ModelKind, string> = {
  logreg: "Logistic regression",
  mlp: "Multilayer perceptron",
  cnn: "Convolutional network",
  lenet: "LeNet-5 (fixed layout)",
};

/** What the "hidden sizes" field means for a kind, or undefined when the kind has none (logreg, lenet). */
export function hiddenSizesHint(kind: string): string | undefined {
  if (kind === "mlp") return "dense widths, e.g. 64, 32";
  if (kind === "cnn") return "filters per conv block, e.g. 8, 16";
  return undefined;
}

const num = (text: string) => (text.trim() === "" ? Number.NaN : Number(text));

/** Limits of a spec's fields (client/src/protocol/modelSpec checks them too). */
export const SPEC_LIMITS = { name: 80, description: 1000, classes: 10_000, seed: 0xffffffff } as const;

export type SpecErrors = Partial<Record<keyof SpecFields, string>>;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const grouped = (n: number) => n.toLocaleString("en-US");

/** What is wrong with a list of sizes as typed ("28, 28, 1"), or undefined. */
function sizesProblem(text: string, what: string): string | undefined {
  const parts = text.split(/[\s,x×]+/).filter((p) => p.length > 0);
  if (parts.length === 0) return `give ${what}`;
  const bad = parts.find((p) => !/^\d+$/.test(p) || Number(p) < 1);
  return bad === undefined ? undefined : `"${bad}" is not a whole number of 1 or more: separate sizes with commas`;
}

/** The model inputs' problems the form can name itself, each in the words of its field. */
export function specFieldErrors(f: SpecFields): SpecErrors {
  const errors: SpecErrors = {};
  const name = f.name.trim().length;
  if (name > SPEC_LIMITS.name) errors.name = `${name} characters: a name has at most ${SPEC_LIMITS.name}`;
  const description = f.description.trim().length;
  if (description > SPEC_LIMITS.description) {
    errors.description = `${grouped(description)} characters: a description has at most ${grouped(SPEC_LIMITS.description)}`;
  }
  const shape = sizesProblem(f.inputShape, "the size of one sample: e.g. 30 values, or 28, 28, 1 for images");
  if (shape) errors.inputShape = shape;
  const classes = num(f.numClasses);
  if (!Number.isSafeInteger(classes) || classes < 2 || classes > SPEC_LIMITS.classes) {
    errors.numClasses =
      f.numClasses.trim() === ""
        ? "give the number of classes the model tells apart (2 or more)"
        : `a classifier tells apart a whole number of classes from 2 to ${grouped(SPEC_LIMITS.classes)}, not ${f.numClasses.trim()}`;
  }
  if (hiddenSizesHint(f.kind) && f.hidden.trim() !== "") {
    const hidden = sizesProblem(f.hidden, "the hidden sizes");
    if (hidden) errors.hidden = hidden;
  }
  const seed = num(f.seed);
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > SPEC_LIMITS.seed) {
    errors.seed = `the seed is a whole number from 0 to ${grouped(SPEC_LIMITS.seed)}${f.seed.trim() === "" ? "" : `, not ${f.seed.trim()}`}`;
  }
  const frozen = f.frozenLayers.trim();
  if (frozen !== "" && !/^\d+$/.test(frozen)) {
    errors.frozenLayers = `the frozen layers are a whole number of layers (0: every layer trains), not ${frozen}`;
  }
  return errors;
}

/** The model field a spec validation message is about, by the spec field it names. */
function specFieldOf(message: string): keyof SpecFields | undefined {
  if (/frozenLayers/.test(message)) return "frozenLayers";
  if (/inputShape|images|an input of/.test(message)) return "inputShape";
  if (/numClasses|classes/.test(message)) return "numClasses";
  if (/hidden|layers/.test(message)) return "hidden";
  if (/seed/.test(message)) return "seed";
  if (/task name/.test(message)) return "name";
  if (/task description/.test(message)) return "description";
  return undefined;
}

/**
 * The spec the model inputs describe (without an encoding), with the task's DP terms when it has them
 * (so the commitment covers them), or what is wrong with the inputs, by field where it is about one.
 */
export function specOf(
  f: SpecFields,
  privacy?: PrivacyTerms,
): { spec?: ModelSpec; error?: string; errors?: SpecErrors } {
  const errors = specFieldErrors(f);
  const first = Object.values(errors)[0];
  if (first) return { error: first, errors };
  try {
    return {
      spec: specFromChoices({
        name: f.name,
        description: f.description,
        kind: f.kind,
        inputShape: parseIntList(f.inputShape),
        numClasses: num(f.numClasses),
        seed: num(f.seed),
        // The field keeps its text when the kind has no hidden sizes (logreg, lenet): not part of the spec.
        hidden: hiddenSizesHint(f.kind) ? f.hidden : undefined,
        privacy,
        frozenLayers: f.frozenLayers.trim() === "" ? undefined : Number(f.frozenLayers),
      }),
    };
  } catch (e) {
    const message = (e as Error).message;
    const field = specFieldOf(message);
    return { error: message, errors: field ? { [field]: message } : {} };
  }
}

/** The model inputs showing a spec (an uploaded architecture JSON). */
export const fieldsOf = (spec: ModelSpec): SpecFields => ({
  name: spec.name ?? "",
  description: spec.description ?? "",
  kind: spec.kind,
  inputShape: spec.inputShape.join(", "),
  numClasses: String(spec.numClasses),
  hidden: spec.hidden?.join(", ") ?? "",
  seed: String(spec.seed),
  frozenLayers: spec.frozenLayers === undefined ? "" : String(spec.frozenLayers),
});

export interface CodecText {
  valueBits: string;
  clip: string;
  sampleCap: string;
  weightFloor: string;
  /** Blank: the planner's choice. */
  laneBits: string;
  wordsPerChunk: string;
}

export interface CohortText {
  minCohort: string;
  maxCohort: string;
  rounds: string;
  duration: string;
}

export const DURATION_UNITS = { minutes: 60, hours: 3600, days: 86400 } as const;
export type DurationUnit = keyof typeof DURATION_UNITS;

/** The codec, cohort and schedule inputs as typed. */
export interface FormText {
  codec: CodecText;
  cohort: CohortText;
  unit: DurationUnit;
  policy: number;
  participants: string;
}

/** A new form: TASK_DEFAULTS, lanes and chunk size left to the planner. */
export const initialFormText = (): FormText => ({
  codec: {
    valueBits: String(TASK_DEFAULTS.valueBits),
    clip: String(TASK_DEFAULTS.clip),
    sampleCap: String(TASK_DEFAULTS.sampleCap),
    weightFloor: String(TASK_DEFAULTS.weightFloor),
    laneBits: "",
    wordsPerChunk: "",
  },
  cohort: {
    minCohort: String(TASK_DEFAULTS.minCohort),
    maxCohort: String(TASK_DEFAULTS.maxCohort),
    rounds: String(TASK_DEFAULTS.rounds),
    duration: String(TASK_DEFAULTS.roundDuration / DURATION_UNITS.hours),
  },
  unit: "hours",
  policy: TASK_DEFAULTS.policy,
  participants: "",
});

/** The typed inputs as numbers (NaN for a blank or malformed one: draftTask reports it). */
export function readForm({ codec, cohort, unit, policy, participants }: FormText): TaskForm {
  const duration = num(cohort.duration);
  return {
    valueBits: num(codec.valueBits),
    clip: num(codec.clip),
    sampleCap: num(codec.sampleCap),
    weightFloor: num(codec.weightFloor),
    laneBits: codec.laneBits.trim() === "" ? undefined : num(codec.laneBits),
    wordsPerChunk: codec.wordsPerChunk.trim() === "" ? undefined : num(codec.wordsPerChunk),
    minCohort: num(cohort.minCohort),
    maxCohort: num(cohort.maxCohort),
    rounds: num(cohort.rounds),
    roundDurationSeconds: Math.round(duration * DURATION_UNITS[unit]),
    duration: { value: duration, unit },
    policy,
    participants,
  };
}

/** Everything the owner types on the model-init page (numbers still as the inputs hold them). */
export interface TaskForm {
  valueBits: number;
  clip: number;
  sampleCap: number;
  weightFloor: number;
  /** undefined: chosen by the planner (narrowest lane for the cohort, largest chunk under the caps). */
  laneBits?: number;
  wordsPerChunk?: number;
  minCohort: number;
  maxCohort: number;
  rounds: number;
  roundDurationSeconds: number;
  /** The duration as typed, so its errors speak the owner's unit ("400 days"). */
  duration?: { value: number; unit: DurationUnit };
  policy: number;
  participants: string;
}

/** The form's inputs that can carry an error of their own (the model's are SpecErrors). */
export type SettingsField = keyof CodecText | keyof CohortText | "participants";
export type SettingsErrors = Partial<Record<SettingsField, string>>;

/** Each input's label, as the form shows it and the error summary names it. */
export const FIELD_LABELS: Record<SettingsField | keyof SpecFields, string> = {
  name: "Task name",
  description: "Description",
  kind: "Architecture",
  inputShape: "Input shape",
  numClasses: "Classes",
  hidden: "Hidden sizes",
  seed: "Initialisation seed",
  frozenLayers: "Frozen layers",
  valueBits: "Value bits (b)",
  clip: "Clip bound (C)",
  sampleCap: "FedAvg sample cap",
  weightFloor: "Weight floor",
  laneBits: "Lane bits (L)",
  wordsPerChunk: "Words per chunk",
  minCohort: "Minimum cohort (K)",
  maxCohort: "Maximum cohort",
  rounds: "Rounds",
  duration: "Round duration",
  participants: "Participant addresses",
};

/** The id of an input, so the error summary can link to it. */
export const fieldId = (key: SettingsField | keyof SpecFields): string => `task-${key}`;

export interface TaskDraft {
  /** Present when the form is valid and the model is known: what createTask gets. */
  settings?: TaskSettings;
  codec?: CodecParams;
  plan?: SubmissionPlan;
  /** A compressing encoding's plan with the same choices and today's codec, to compare. */
  uncompressed?: SubmissionPlan;
  participants: string[];
  /** Problems that block creation and belong to no single input, each phrased as what to fix. */
  errors: string[];
  /** Problems that block creation, by the input they are about (shown beside it). */
  fieldErrors: SettingsErrors;
  /** Allowed, but probably not what the owner wants. */
  warnings: string[];
}

const isInt = (v: number, lo: number, hi: number) => Number.isSafeInteger(v) && v >= lo && v <= hi;

/** "400 days", "1 hour", "90 s": a duration as the owner typed it. */
function durationText(form: TaskForm): string {
  if (!form.duration) return `${form.roundDurationSeconds} s`;
  const { value, unit } = form.duration;
  return `${value} ${value === 1 ? unit.slice(0, -1) : unit}`;
}

/**
 * The settings' problems the form can name itself, each in the words and units of its input ("400 days
 * is more than the 1-year limit"); checkTaskChoices then only meets settings in range.
 */
export function settingsFieldErrors(form: TaskForm): SettingsErrors {
  const e: SettingsErrors = {};
  const given = (v: number) => !Number.isNaN(v);
  if (!isInt(form.valueBits, MIN_VALUE_BITS, MAX_VALUE_BITS)) {
    e.valueBits = given(form.valueBits)
      ? `value bits are a whole number from ${MIN_VALUE_BITS} to ${MAX_VALUE_BITS}, not ${form.valueBits}`
      : `give the bits per value, from ${MIN_VALUE_BITS} to ${MAX_VALUE_BITS}`;
  }
  if (!(form.clip > 0) || !Number.isFinite(form.clip)) {
    e.clip = given(form.clip) ? `the clip bound must be more than 0, not ${form.clip}` : "give the clip bound, e.g. 1";
  }
  if (!isInt(form.sampleCap, 0, Number.MAX_SAFE_INTEGER)) {
    e.sampleCap = "a whole number of samples, 0 or more (0: every participant counts the same)";
  }
  if (!isInt(form.weightFloor, 1, Number.MAX_SAFE_INTEGER)) e.weightFloor = "a whole number, 1 or more";
  if (form.laneBits !== undefined && !isInt(form.laneBits, 3, WORD_BITS)) {
    e.laneBits = `lane bits are a whole number from 3 to ${WORD_BITS}, or blank for the planner's choice`;
  }
  if (form.wordsPerChunk !== undefined && !isInt(form.wordsPerChunk, 1, MAX_WORDS_PER_CHUNK)) {
    e.wordsPerChunk =
      form.wordsPerChunk > MAX_WORDS_PER_CHUNK
        ? `${form.wordsPerChunk} words is more than the ${MAX_WORDS_PER_CHUNK} one transaction can carry`
        : `a whole number from 1 to ${MAX_WORDS_PER_CHUNK}, or blank for the largest that fits`;
  }
  if (!isInt(form.minCohort, 2, 65535)) {
    e.minCohort =
      given(form.minCohort) && form.minCohort < 2
        ? `K must be at least 2: with ${form.minCohort}, a revealed sum could be one participant's own update`
        : "K is a whole number of participants, 2 or more (3 or more recommended)";
  }
  if (!isInt(form.maxCohort, 1, 65535)) {
    e.maxCohort = "a whole number of participants, up to 65,535";
  } else if (!e.minCohort && form.maxCohort < form.minCohort) {
    e.maxCohort = `${plural(form.maxCohort, "participant")} is fewer than K = ${form.minCohort}`;
  }
  if (!isInt(form.rounds, 1, 2 ** 32 - 1)) {
    e.rounds = given(form.rounds)
      ? `rounds are a whole number, 1 or more, not ${form.rounds}`
      : "give the number of rounds";
  }
  const seconds = form.roundDurationSeconds;
  if (!given(seconds) || !Number.isFinite(seconds)) e.duration = "give how long each round stays open";
  else if (seconds < 1) e.duration = `${durationText(form)} is too short: a round lasts at least a second`;
  else if (seconds > MAX_ROUND_DURATION) e.duration = `${durationText(form)} is more than the 1-year limit`;
  return e;
}

/** The input a checkTaskChoices message is about (by the setting it names), if any. */
function settingsFieldOf(message: string): SettingsField | undefined {
  if (/clip/.test(message)) return "clip";
  if (/lane/.test(message)) return "laneBits";
  if (/chunk/.test(message)) return "wordsPerChunk";
  if (/weight floor/.test(message)) return "weightFloor";
  if (/value bits/.test(message)) return "valueBits";
  return undefined;
}

/**
 * Validates the form against the model (the same checkTaskChoices every tool uses) and derives codec and
 * plan; with the task's encoding (taskEncoding of the spec) the codec carries what it sends, as planTask's.
 * Problems go beside the input they are about; with differential privacy on, its errors block creation
 * too, and so does a sample cap.
 */
export function draftTask(
  form: TaskForm,
  paramCount: number | undefined,
  encoding?: Pick<UpdateEncoding, "spec" | "paramCount">,
  privacy: PrivacyDraft = { status: "off" },
): TaskDraft {
  const { addresses, errors: addressErrors } = parseAddresses(form.participants);
  const fieldErrors = settingsFieldErrors(form);
  const errors: string[] = [];
  const warnings: string[] = [];
  if (addressErrors.length > 0) fieldErrors.participants = addressErrors.join("; ");
  else if (!fieldErrors.maxCohort && addresses.length > form.maxCohort) {
    fieldErrors.participants = `${addresses.length} participants listed, more than the maximum cohort of ${form.maxCohort}`;
  } else if (!fieldErrors.minCohort && addresses.length < form.minCohort) {
    warnings.push(
      `${addresses.length} participant(s) listed: round 1 cannot open until at least ${form.minCohort} are listed`,
    );
  }
  // An error, not a silent 0: a typed cap asked for weighted averaging, and the owner chooses which to drop.
  if (privacy.status !== "off" && form.sampleCap !== 0) fieldErrors.sampleCap = DP_SAMPLE_CAP_ERROR;
  if (privacy.status !== "off") {
    for (const e of new Set(Object.values(privacyErrors(privacy)))) errors.push(`differential privacy: ${e}`);
  }
  const choices: TaskChoices = {
    valueBits: form.valueBits,
    clip: form.clip,
    sampleCap: form.sampleCap,
    weightFloor: form.weightFloor,
    laneBits: form.laneBits,
    wordsPerChunk: form.wordsPerChunk,
    minCohort: form.minCohort,
    maxCohort: form.maxCohort,
    rounds: form.rounds,
    roundDuration: form.roundDurationSeconds,
    policy: form.policy,
  };
  // Only settings the form found in range reach the library (its messages then name what is left: a
  // clip below the chain's unit, lanes too narrow for the cohort).
  const inRange = Object.keys(settingsFieldErrors(form)).length === 0;
  const checked = inRange ? checkTaskChoices(paramCount, choices, encoding) : { errors: [], warnings: [] };
  for (const message of checked.errors) {
    const field = settingsFieldOf(message);
    if (field && !fieldErrors[field]) fieldErrors[field] = message;
    else errors.push(message);
  }
  warnings.unshift(...checked.warnings);
  const blocked = errors.length > 0 || Object.keys(fieldErrors).length > 0;
  const settings = blocked ? undefined : checked.settings;
  const compressed = settings !== undefined && compresses(encoding?.spec.kind);
  const uncompressed = compressed ? checkTaskChoices(paramCount, choices).settings?.plan : undefined;
  return {
    settings,
    codec: settings?.codec,
    plan: settings?.plan,
    uncompressed,
    participants: addresses,
    errors,
    fieldErrors,
    warnings,
  };
}
