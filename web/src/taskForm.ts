import { getAddress, isAddress } from "ethers";
import { compresses, type UpdateEncoding } from "../../client/src/codec/encoding";
import type { CodecParams } from "../../client/src/codec/layout";
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
  TASK_DEFAULTS,
  checkTaskChoices,
  type TaskChoices,
  type TaskSettings,
} from "../../client/src/protocol/taskChoices";
import { privacyErrors, type PrivacyDraft } from "./privacyForm";

/** Addresses pasted by the owner (any mix of spaces, commas, newlines), checksummed and deduplicated. */
export function parseAddresses(text: string): { addresses: string[]; errors: string[] } {
  const tokens = text.split(/[\s,;]+/).filter((t) => t.length > 0);
  const addresses: string[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const t of tokens) {
    if (!isAddress(t)) {
      errors.push(`"${t}" is not an address`);
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
  kind: string;
  inputShape: string;
  numClasses: string;
  hidden: string;
  seed: string;
}

export const INITIAL_SPEC_FIELDS: SpecFields = {
  kind: "logreg",
  inputShape: "30",
  numClasses: "2",
  hidden: DEFAULT_HIDDEN.mlp.join(", "),
  seed: "1",
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

/**
 * The spec the model inputs describe (without an encoding), with the task's DP terms when it has them
 * (so the commitment covers them), or what is wrong with the inputs.
 */
export function specOf(f: SpecFields, privacy?: PrivacyTerms): { spec?: ModelSpec; error?: string } {
  try {
    return {
      spec: specFromChoices({
        kind: f.kind,
        inputShape: parseIntList(f.inputShape),
        numClasses: num(f.numClasses),
        seed: num(f.seed),
        // The field keeps its text when the kind has no hidden sizes (logreg, lenet): not part of the spec.
        hidden: hiddenSizesHint(f.kind) ? f.hidden : undefined,
        privacy,
      }),
    };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** The model inputs showing a spec (an uploaded architecture JSON). */
export const fieldsOf = (spec: ModelSpec): SpecFields => ({
  kind: spec.kind,
  inputShape: spec.inputShape.join(", "),
  numClasses: String(spec.numClasses),
  hidden: spec.hidden?.join(", ") ?? "",
  seed: String(spec.seed),
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
    roundDurationSeconds: Math.round(num(cohort.duration) * DURATION_UNITS[unit]),
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
  policy: number;
  participants: string;
}

export interface TaskDraft {
  /** Present when the form is valid and the model is known: what createTask gets. */
  settings?: TaskSettings;
  codec?: CodecParams;
  plan?: SubmissionPlan;
  /** A compressing encoding's plan with the same choices and today's codec, to compare. */
  uncompressed?: SubmissionPlan;
  participants: string[];
  /** Problems that block creation, each phrased as what to fix. */
  errors: string[];
  /** Those of the errors that belong next to one codec input. */
  codecErrors: Partial<Record<keyof CodecText, string>>;
  /** Allowed, but probably not what the owner wants. */
  warnings: string[];
}

/**
 * Validates the form against the model (the same checkTaskChoices every tool uses) and derives codec and
 * plan; with the task's encoding (taskEncoding of the spec) the codec carries what it sends, as planTask's.
 * With differential privacy on, its field errors block creation too, and so does a sample cap.
 */
export function draftTask(
  form: TaskForm,
  paramCount: number | undefined,
  encoding?: Pick<UpdateEncoding, "name" | "paramCount">,
  privacy: PrivacyDraft = { status: "off" },
): TaskDraft {
  const { addresses, errors: addressErrors } = parseAddresses(form.participants);
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
  const checked = checkTaskChoices(paramCount, choices, encoding);
  const errors = [...addressErrors, ...checked.errors];
  const warnings = [...checked.warnings];
  const codecErrors: TaskDraft["codecErrors"] = {};
  if (privacy.status !== "off") {
    // An error, not a silent 0: a typed cap asked for weighted averaging, and the owner chooses which to drop.
    if (form.sampleCap !== 0) {
      codecErrors.sampleCap = DP_SAMPLE_CAP_ERROR;
      errors.push(DP_SAMPLE_CAP_ERROR);
    }
    for (const e of new Set(Object.values(privacyErrors(privacy)))) errors.push(`differential privacy: ${e}`);
  }
  if (addresses.length > form.maxCohort) {
    errors.push(`${addresses.length} participants listed, more than the maximum cohort of ${form.maxCohort}`);
  } else if (addresses.length < form.minCohort) {
    warnings.push(
      `${addresses.length} participant(s) listed: round 1 cannot open until at least ${form.minCohort} are listed`,
    );
  }
  const settings = errors.length === 0 ? checked.settings : undefined;
  const compressed = settings !== undefined && compresses(encoding?.name);
  const uncompressed = compressed ? checkTaskChoices(paramCount, choices).settings?.plan : undefined;
  return {
    settings,
    codec: settings?.codec,
    plan: settings?.plan,
    uncompressed,
    participants: addresses,
    errors,
    codecErrors,
    warnings,
  };
}
