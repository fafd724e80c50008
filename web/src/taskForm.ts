import { getAddress, isAddress } from "ethers";
import type { CodecParams } from "../../client/src/codec/layout";
import type { SubmissionPlan } from "../../client/src/protocol/plan";
import { checkTaskChoices, type TaskSettings } from "../../client/src/protocol/taskChoices";

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
  participants: string[];
  /** Problems that block creation, each phrased as what to fix. */
  errors: string[];
  /** Allowed, but probably not what the owner wants. */
  warnings: string[];
}

/** Validates the form against the model (the same checkTaskChoices every tool uses) and derives codec and plan. */
export function draftTask(form: TaskForm, paramCount: number | undefined): TaskDraft {
  const { addresses, errors: addressErrors } = parseAddresses(form.participants);
  const checked = checkTaskChoices(paramCount, {
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
  });
  const errors = [...addressErrors, ...checked.errors];
  const warnings = [...checked.warnings];
  if (addresses.length > form.maxCohort) {
    errors.push(`${addresses.length} participants listed, more than the maximum cohort of ${form.maxCohort}`);
  } else if (addresses.length < form.minCohort) {
    warnings.push(
      `${addresses.length} participant(s) listed: round 1 cannot open until at least ${form.minCohort} are listed`,
    );
  }
  const settings = errors.length === 0 ? checked.settings : undefined;
  return { settings, codec: settings?.codec, plan: settings?.plan, participants: addresses, errors, warnings };
}
