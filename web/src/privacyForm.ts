/**
 * The differential-privacy inputs of the create-task form, read as `fl:create-task --dp-*` reads its
 * flags: the typed text becomes PrivacyOptions and privacyFromOptions computes the terms for the task's
 * rounds, so the spec, the commitment and the chain get what the CLI would give. The library's messages
 * are kept, with its term names replaced by the form's words and each sent to the field it is about.
 * Pure: no React.
 */
import {
  PRIVACY_DEFAULTS,
  PRIVACY_UNITS,
  parsePrivacyTerms,
  privacyFromOptions,
  type PrivacyOptions,
  type PrivacyTerms,
} from "../../client/src/protocol/privacy";

/** The DP inputs as typed; blank delta, clip and sampling take PRIVACY_DEFAULTS, blank steps one epoch. */
export interface PrivacyText {
  enabled: boolean;
  /** Target epsilon for the whole task (the noise is derived); blank when the noise is given. */
  epsilon: string;
  /** Noise multiplier (the epsilon is reported); blank when a target epsilon is given. */
  noise: string;
  delta: string;
  clip: string;
  sampling: string;
  steps: string;
}

/** The typed DP inputs, each of which can carry an error. */
export type PrivacyField = Exclude<keyof PrivacyText, "enabled">;
export type PrivacyErrors = Partial<Record<PrivacyField, string>>;

/** Off; when turned on, PRIVACY_DEFAULTS are in place and the owner picks epsilon or noise (no default promise). */
export const initialPrivacyText = (): PrivacyText => ({
  enabled: false,
  epsilon: "",
  noise: "",
  delta: String(PRIVACY_DEFAULTS.delta),
  clip: String(PRIVACY_DEFAULTS.clipNorm),
  sampling: String(PRIVACY_DEFAULTS.samplingRate),
  steps: "",
});

/** The inputs that give these terms back for the same rounds: the noise as given, so epsilon is recomputed. */
export const privacyTextOf = (terms: PrivacyTerms): PrivacyText => ({
  enabled: true,
  epsilon: "",
  noise: String(terms.noiseMultiplier),
  delta: String(terms.delta),
  clip: String(terms.clipNorm),
  sampling: String(terms.samplingRate),
  steps: String(terms.stepsPerRound),
});

/** Where the form stands: the terms once computed for the rounds, else why not. */
export type PrivacyDraft =
  | { status: "off" }
  | { status: "invalid"; errors: PrivacyErrors }
  /** The terms depend on the rounds, which are not a positive integer yet (the draft reports them). */
  | { status: "needs-rounds" }
  /** The accountant runs after typing pauses (deriving the noise can take a second). */
  | { status: "computing" }
  | {
      status: "ready";
      terms: PrivacyTerms;
      /** Which figure the accountant chose: the noise for a target epsilon, or the epsilon of a given noise. */
      derived: "noise" | "epsilon";
      rounds: number;
    };

/** The errors a draft carries (none unless invalid). */
export const privacyErrors = (d: PrivacyDraft): PrivacyErrors => (d.status === "invalid" ? d.errors : {});

/** Whether the draft's terms can go into a spec: DP off, or DP on with the terms computed. */
export const privacySettled = (d: PrivacyDraft): boolean => d.status === "off" || d.status === "ready";

const OPTION_OF: Record<PrivacyField, keyof PrivacyOptions> = {
  epsilon: "epsilon",
  noise: "noise",
  delta: "delta",
  clip: "clip",
  sampling: "sampling",
  steps: "steps",
};

/** The library's name of each term, and the field that sets it (noise and epsilon: see fieldOf). */
const TERM_OF: Record<PrivacyField, keyof PrivacyTerms> = {
  epsilon: "epsilon",
  noise: "noiseMultiplier",
  delta: "delta",
  clip: "clipNorm",
  sampling: "samplingRate",
  steps: "stepsPerRound",
};

/** How messages name a field's value; the derived one of epsilon and noise is named as computed. */
function nameOf(field: PrivacyField, derived?: "noise" | "epsilon"): string {
  if (field === "epsilon") return derived === "epsilon" ? "the epsilon this noise gives" : "the target epsilon";
  if (field === "noise") return derived === "noise" ? "the noise this epsilon needs" : "the noise multiplier";
  return { delta: "delta", clip: "the per-record clip", sampling: "the sampling rate", steps: "the steps per round" }[
    field
  ];
}

const TERM_NAMES = /^(?:privacy )?(noiseMultiplier|clipNorm|samplingRate|stepsPerRound|delta|epsilon)\b/;

/**
 * A library message in the form's words, and the field it belongs to: the derived term's problem
 * belongs to the given one (a target epsilon that needs too much noise is the epsilon's problem).
 */
function placeMessage(
  message: string,
  derived: "noise" | "epsilon" | undefined,
  fallback: PrivacyField,
): [PrivacyField, string] {
  const match = TERM_NAMES.exec(message);
  if (!match) return [fallback, message];
  const term = match[1] as keyof PrivacyTerms;
  let field = (Object.keys(TERM_OF) as PrivacyField[]).find((f) => TERM_OF[f] === term) ?? fallback;
  const name = nameOf(field, derived);
  if (derived === "noise" && field === "noise") field = "epsilon";
  if (derived === "epsilon" && field === "epsilon") field = "noise";
  const units = /^privacy \w+ (\S+) is not a whole number of the chain's 1\/(\d+) units$/.exec(message);
  if (units) {
    return [field, `${name} ${units[1]} has more decimals than the chain keeps (${units[2].length - 1}): round it`];
  }
  return [field, message.replace(match[0], name)];
}

/** Rounds up to the chain's millionths, as privacyFromChoices does to the noise and the stated epsilon. */
const ceilMicros = (v: number) => (v > 0 ? Math.ceil(v * PRIVACY_UNITS.epsilon - 1e-9) / PRIVACY_UNITS.epsilon : v);

/** Terms every field is checked against alone, so each field's error names that field only. */
const VALID_TERMS: PrivacyTerms = {
  noiseMultiplier: 1,
  clipNorm: 1,
  samplingRate: 0.01,
  stepsPerRound: 1,
  delta: 1e-5,
  epsilon: 1,
};

/**
 * The typed inputs as privacyFromOptions' options, or an error next to every field that is wrong on its
 * own (parsePrivacyTerms' ranges and the chain's units); cheap, so it runs on every keystroke.
 */
export function readPrivacyText(text: PrivacyText): { options?: PrivacyOptions; errors: PrivacyErrors } {
  const options: PrivacyOptions = {};
  const errors: PrivacyErrors = {};
  for (const field of Object.keys(OPTION_OF) as PrivacyField[]) {
    const typed = text[field].trim();
    if (typed === "") continue;
    const value = Number(typed);
    if (Number.isNaN(value)) {
      errors[field] = `${nameOf(field)} must be a number, got "${typed}"`;
      continue;
    }
    // The given epsilon or noise is rounded up to millionths by the library, so check what it will use.
    const used = field === "epsilon" || field === "noise" ? ceilMicros(value) : value;
    try {
      parsePrivacyTerms({ ...VALID_TERMS, [TERM_OF[field]]: used });
      options[OPTION_OF[field]] = value;
    } catch (e) {
      errors[field] = placeMessage((e as Error).message, undefined, field)[1];
    }
  }
  if (Object.keys(errors).length > 0) return { errors };
  if (options.epsilon === undefined && options.noise === undefined) {
    const message = "give a target epsilon (the noise is derived) or a noise multiplier (the epsilon is reported)";
    return { errors: { epsilon: message, noise: message } };
  }
  return { options, errors };
}

/** Whether the rounds field holds what the accountant needs. */
export const roundsReady = (rounds: number) => Number.isSafeInteger(rounds) && rounds >= 1 && rounds <= 2 ** 32 - 1;

/** The terms privacyFromOptions computes for `rounds` rounds, or its message next to the field it is about. */
export function derivePrivacy(options: PrivacyOptions, rounds: number): PrivacyDraft {
  const derived = options.epsilon !== undefined ? "noise" : "epsilon";
  try {
    const terms = privacyFromOptions(options, rounds);
    if (!terms) throw new Error("give a target epsilon or a noise multiplier"); // readPrivacyText asks first
    return { status: "ready", terms, derived, rounds };
  } catch (e) {
    const message = (e as Error).message;
    // Both given: the library refuses before any accounting; the error is both fields'.
    if (options.epsilon !== undefined && options.noise !== undefined) {
      return { status: "invalid", errors: { epsilon: message, noise: message } };
    }
    const [field, text] = placeMessage(message, derived, derived === "noise" ? "epsilon" : "noise");
    return { status: "invalid", errors: { [field]: text } };
  }
}

/** The whole reading at once (the form's hook runs derivePrivacy after typing pauses instead). */
export function privacyDraft(text: PrivacyText, rounds: number): PrivacyDraft {
  if (!text.enabled) return { status: "off" };
  const { options, errors } = readPrivacyText(text);
  if (!options) return { status: "invalid", errors };
  if (!roundsReady(rounds)) return { status: "needs-rounds" };
  return derivePrivacy(options, rounds);
}

const FLAG_OF: Record<PrivacyField, string> = {
  epsilon: "--dp-epsilon",
  noise: "--dp-noise",
  delta: "--dp-delta",
  clip: "--dp-clip",
  sampling: "--dp-sampling",
  steps: "--dp-steps",
};

/** The inputs as fl:create-task flags ("--dp-epsilon 3 --dp-delta 0.00001 ..."), the blank ones left out. */
export function privacyFlags(text: PrivacyText): string {
  return (Object.keys(FLAG_OF) as PrivacyField[])
    .filter((f) => text[f].trim() !== "")
    .map((f) => `${FLAG_OF[f]} ${text[f].trim()}`)
    .join(" ");
}
