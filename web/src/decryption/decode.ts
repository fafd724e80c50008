/**
 * A decrypted round's lane sums decoded into the averaged model delta, as the nodes and the page's
 * global-model rebuild decode them: with the encoding the task's inline spec names and the round's
 * public context (decodeRound). Decoding is stateless (error feedback stays with each
 * participant), so one round decodes on its own. No React.
 */
import { compresses } from "../../../client/src/codec/encoding";
import { decodeAggregate } from "../../../client/src/codec/update";
import type { ModelSpec } from "../../../client/src/protocol/modelSpec";
import type { TaskSnapshot } from "../chain";
import { taskEncoding } from "../../../client/src/node/encoding";
import { requestModel, specFromModelURI, taskEncodingName } from "../modelSpec";

/** A round's decoded values and how they were decoded. */
export interface RoundDecoding {
  /** The averaged update, one value per model parameter. */
  values: Float64Array;
  /**
   * The task's encoding (encodingName: "quant", "dct:10", ...); undefined when the task's model spec is
   * not inline, so its encoding is unknown and the words were decoded as today's codec.
   */
  encoding?: string;
}

/** The model's parameter count for a spec (a compressed task's chain codec counts sent values instead). */
export type ModelDimension = (spec: ModelSpec) => Promise<number>;

/**
 * A round's averaged model delta from its lane-sum words, decoded as the nodes decode it: with the
 * encoding the task's spec names (today's codec when none), the round's contributors per chunk and its
 * public context (task, round, the commitment it opened with).
 */
export function decodeRound(
  task: Pick<TaskSnapshot, "id" | "layout" | "roundInfos">,
  spec: ModelSpec,
  modelDimension: number,
  round: number,
  words: readonly bigint[],
): Float64Array {
  const info = task.roundInfos[round - 1];
  return taskEncoding(spec, modelDimension).decode(words, info.contributors, task.layout, {
    taskId: task.id,
    round,
    globalModelHash: info.globalModelHash,
  });
}

/** From the model API, which builds the spec's model as the nodes do. */
export const modelDimensionFromApi: ModelDimension = async (spec) =>
  (await requestModel(JSON.stringify(spec))).paramCount;

/**
 * Decodes round `round`'s lane-sum words. Today's codec needs only the chain's layout (one lane per
 * parameter); a compressing encoding also needs the model's parameter count, from `dimension`.
 */
export async function decodeTaskRound(
  task: Pick<TaskSnapshot, "id" | "modelURI" | "layout" | "roundInfos">,
  round: number,
  words: readonly bigint[],
  dimension: ModelDimension = modelDimensionFromApi,
): Promise<RoundDecoding> {
  const spec = specFromModelURI(task.modelURI);
  if (!spec) return { values: decodeAggregate(words, task.roundInfos[round - 1].contributors, task.layout) };
  const d = compresses(spec.encoding?.kind) ? await dimension(spec) : task.layout.paramCount;
  return { values: decodeRound(task, spec, d, round, words), encoding: taskEncodingName(task) };
}
