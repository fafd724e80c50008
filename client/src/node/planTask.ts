import { availableParallelism } from "node:os";
import type { IFLuFHEAggregator } from "../../../types/contracts/FLuFHEAggregator";
import { defaultEncryptThreads } from "../protocol/clientCost";
import type { ModelSpec } from "../protocol/modelSpec";
import { withClientThreads } from "../protocol/plan";
import { taskConfig, taskSettings, type TaskChoices, type TaskSettings } from "../protocol/taskChoices";
import { taskEncoding, type EncodingArtifacts } from "./encoding";
import { initialModel, type InitialModel } from "./model";

/** Everything creating a task needs, decided before anything touches a chain. */
export interface TaskPlan extends InitialModel, TaskSettings {
  /** The createTask configuration (the participants go beside it). */
  config: IFLuFHEAggregator.TaskConfigStruct;
  /** Accepted, but worth telling the owner (e.g. a minimum cohort of 2). */
  warnings: string[];
}

/** Public data a plan may need beside the spec. */
export interface PlanArtifacts extends EncodingArtifacts {
  /** The initial weights of a spec that starts from published ones. */
  published?: Float32Array;
}

/**
 * Plans a task for a model spec and the owner's choices (TASK_DEFAULTS for the rest, codecDefaults of
 * the spec's encoding for value bits and clip): the seeded initial weights, their commitment and inline URI
 * (both covering the encoding), the codec exactly as the chain will store it (its paramCount is what the
 * encoding sends), and the cost per participant and round (the real-network encryption estimate at
 * this machine's default encryption threads, defaultEncryptThreads). `artifacts.published`: the initial
 * weights of a spec that starts from published ones (initialModel); `artifacts.inputBasis`: a pca spec's
 * basis. Throws with every problem found.
 */
export function planTask(spec: ModelSpec, choices: TaskChoices = {}, artifacts: PlanArtifacts = {}): TaskPlan {
  const model = initialModel(spec, artifacts.published);
  const checked = taskSettings(model.paramCount, choices, taskEncoding(spec, model.paramCount, artifacts));
  const settings = { ...checked, plan: withClientThreads(checked.plan, defaultEncryptThreads(availableParallelism())) };
  return { ...model, ...settings, config: taskConfig(settings, { ...model, privacy: spec.privacy }) };
}
