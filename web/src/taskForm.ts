import { getAddress, isAddress } from "ethers";
import { chooseCodec, planSubmission, type SubmissionPlan } from "../../client/src/codec/plan";
import type { CodecParams } from "../../client/src/codec/layout";
import { toOnChainCodec } from "../../client/src/chain/task";
import type { IFLuFHEAggregator } from "../../types/contracts/FLuFHEAggregator";
import type { ModelCommitment } from "./modelSpec";

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
  codec?: CodecParams;
  plan?: SubmissionPlan;
  participants: string[];
  /** Problems that block creation, each phrased as what to fix. */
  errors: string[];
  /** Allowed, but probably not what the owner wants. */
  warnings: string[];
}

const intIn = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;

/** Validates the form against the model and derives the codec and its cost plan (planSubmission). */
export function draftTask(form: TaskForm, paramCount: number | undefined): TaskDraft {
  const errors: string[] = [];
  const warnings: string[] = [];
  const { addresses, errors: addressErrors } = parseAddresses(form.participants);
  errors.push(...addressErrors);
  if (!intIn(form.minCohort, 2, 65535)) errors.push("the minimum cohort K must be an integer of at least 2");
  if (!intIn(form.maxCohort, 1, 65535) || form.maxCohort < form.minCohort) {
    errors.push("the maximum cohort must be an integer no smaller than the minimum cohort");
  }
  if (addresses.length > form.maxCohort) {
    errors.push(`${addresses.length} participants listed, more than the maximum cohort of ${form.maxCohort}`);
  } else if (addresses.length < form.minCohort) {
    warnings.push(
      `${addresses.length} participant(s) listed: round 1 cannot open until at least ${form.minCohort} are listed`,
    );
  }
  if (!intIn(form.rounds, 1, 2 ** 32 - 1)) errors.push("rounds must be a positive integer");
  if (!intIn(form.roundDurationSeconds, 1, Number.MAX_SAFE_INTEGER)) errors.push("the round duration must be positive");
  let codec: CodecParams | undefined;
  let plan: SubmissionPlan | undefined;
  if (paramCount !== undefined && errors.length === 0) {
    try {
      const chosen = chooseCodec({
        paramCount,
        maxCohort: form.maxCohort,
        valueBits: form.valueBits,
        clip: form.clip,
        sampleCap: form.sampleCap,
        weightFloor: form.weightFloor,
      });
      codec = {
        ...chosen,
        laneBits: form.laneBits ?? chosen.laneBits,
        wordsPerChunk: form.wordsPerChunk ?? chosen.wordsPerChunk,
      };
      plan = planSubmission(codec, form.maxCohort);
    } catch (error) {
      codec = undefined;
      errors.push((error as Error).message);
    }
  }
  return { codec, plan, participants: addresses, errors, warnings };
}

/** The createTask arguments for a valid draft. */
export function taskConfig(
  form: TaskForm,
  codec: CodecParams,
  model: ModelCommitment,
): IFLuFHEAggregator.TaskConfigStruct {
  return {
    modelHash: model.modelHash,
    modelURI: model.modelURI,
    codec: toOnChainCodec(codec),
    minCohort: form.minCohort,
    maxCohort: form.maxCohort,
    rounds: form.rounds,
    roundDuration: form.roundDurationSeconds,
    policy: form.policy,
  };
}
