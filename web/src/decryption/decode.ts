/**
 * A decrypted round's lane sums decoded into the averaged model delta, as the nodes and the page's
 * global-model rebuild decode them: with the encoding the task's inline spec names and the round's
 * public context (decodeRound). Decoding keeps no state across rounds (error feedback stays with each
 * participant), so one round decodes on its own, except that an encoding which tracks the model's
 * change (lowrank) also needs the global models the round and the round before it opened with (in round
 * 1, with the downstream start, the round's own): the page reads them, verified by their on-chain
 * commitments, from the browser's model store. No React.
 */
import { compresses, encodingName, type UpdateEncoding } from "../../../client/src/codec/encoding";
import { modelChange } from "../../../client/src/codec/sharedSeed";
import { decodeAggregate } from "../../../client/src/codec/update";
import type { EncodingArtifacts } from "../../../client/src/node/encoding";
import type { ModelSpec } from "../../../client/src/protocol/modelSpec";
import { paramCountOf } from "../../../client/src/protocol/weightShapes";
import type { TaskSnapshot } from "../chain";
import { shortHash } from "../format";
import { encodingArtifacts } from "../model/inputBasis";
import { browserModelStore, readVerified, type ModelStore } from "../model/store";
import { browserTaskEncoding, requestModel, specFromModelURI, taskEncodingName } from "../modelSpec";

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

/** Which global models an encoding reads besides the round's words (lowrank's; UpdateEncoding). */
type ModelNeeds = Pick<UpdateEncoding, "tracksModelChange" | "needsFirstRoundModel">;

/**
 * What the spec's encoding reads: the previous round's change to the global model after round 1
 * (tracksModelChange: lowrank), the round's own model in round 1 (needsFirstRoundModel: lowrank's
 * downstream start). An encoding that does not fit the model reads nothing: decoding then says what
 * is wrong.
 */
function modelNeeds(spec: ModelSpec): ModelNeeds {
  const none = { tracksModelChange: false, needsFirstRoundModel: false };
  if (spec.encoding === undefined) return none;
  try {
    return browserTaskEncoding(spec, paramCountOf(spec));
  } catch {
    return none;
  }
}

/**
 * Whether the spec's encoding decodes (and encodes) a round from the previous round's change to the
 * global model (UpdateEncoding.tracksModelChange: lowrank), so the page must hold both models.
 */
export const tracksModelChange = (spec: ModelSpec): boolean => modelNeeds(spec).tracksModelChange;

/** The global models round `round` (current) and, after round 1, round `round - 1` (previous) opened with. */
export interface OpeningModels {
  current: ArrayLike<number>;
  previous?: ArrayLike<number>;
}

/**
 * A round's averaged model delta from its lane-sum words, decoded as the nodes decode it: with the
 * encoding the task's spec names (today's codec when none), the round's contributors per chunk and its
 * public context (task, round, the commitment it opened with, and for an encoding that reads them the
 * models the round and the round before opened with; for pca the task's input basis).
 */
export function decodeRound(
  task: Pick<TaskSnapshot, "id" | "layout" | "roundInfos">,
  spec: ModelSpec,
  modelDimension: number,
  round: number,
  words: readonly bigint[],
  models?: OpeningModels,
  /** What the encoding needs beside the spec (pca: the task's input basis; encodingArtifacts). */
  artifacts: EncodingArtifacts = {},
): Float64Array {
  const info = task.roundInfos[round - 1];
  return browserTaskEncoding(spec, modelDimension, artifacts).decode(words, info.contributors, task.layout, {
    taskId: task.id,
    round,
    globalModelHash: info.globalModelHash,
    modelChange: models?.previous && modelChange(models.previous, models.current),
    model: models?.current,
  });
}

/**
 * The models an encoding that reads them decodes round `round` with, read from the browser's store and
 * verified against the commitments rounds `round` and (after round 1) `round - 1` opened with. Throws,
 * saying to rebuild the global model first, when the store lacks one (the rebuild keeps every model on
 * its way).
 */
export async function openingModels(
  task: Pick<TaskSnapshot, "roundInfos">,
  spec: ModelSpec,
  round: number,
  store: ModelStore,
): Promise<OpeningModels> {
  const rounds = round > 1 ? [round - 1, round] : [round];
  const commitments = rounds.map((r) => task.roundInfos[r - 1]?.globalModelHash);
  const models = await Promise.all(
    commitments.map((c) => (c === undefined ? undefined : readVerified(store, c, spec))),
  );
  const [previous, current] = round > 1 ? models : [undefined, models[0]];
  if (current && (round === 1 || previous)) return { current, previous };
  const missing = models.flatMap((m, i) =>
    m ? [] : [`round ${rounds[i]}'s (${shortHash(commitments[i] ?? "not opened")})`],
  );
  const needs =
    round > 1
      ? `the global models rounds ${round - 1} and ${round} opened with (its factors follow the change between them)`
      : "the global model round 1 opened with (its first factors follow that model's kernels)";
  throw new Error(
    `decoding round ${round} of this ${encodingName(spec.encoding!)} task needs ${needs}, and this browser ` +
      `does not hold ${missing.join(" and ")}: rebuild the global model first (Global model panel), which keeps them`,
  );
}

/** From the model API, which builds the spec's model as the nodes do. */
export const modelDimensionFromApi: ModelDimension = async (spec) =>
  (await requestModel(JSON.stringify(spec))).paramCount;

/** Whether decoding `round` of a task with this spec needs the models it (and the round before) opened with. */
export function needsOpeningModels(spec: ModelSpec | undefined, round: number): boolean {
  if (spec === undefined) return false;
  const needs = modelNeeds(spec);
  return round > 1 ? needs.tracksModelChange : needs.needsFirstRoundModel;
}

/**
 * Throws what decodeTaskRound would throw later when the store lacks a model the round's decode needs
 * (lowrank) or the task's input basis (pca): checked before anything is asked of the wallet or the KMS.
 */
export async function checkDecodable(
  task: Pick<TaskSnapshot, "modelURI" | "roundInfos">,
  round: number,
  store: ModelStore = browserModelStore(),
): Promise<void> {
  const spec = specFromModelURI(task.modelURI);
  if (!spec) return;
  await encodingArtifacts(spec, store);
  if (needsOpeningModels(spec, round)) await openingModels(task, spec, round, store);
}

/**
 * Decodes round `round`'s lane-sum words. Today's codec needs only the chain's layout (one lane per
 * parameter); a compressing encoding also needs the model's parameter count, from `dimension`; a
 * tracking one (lowrank, after round 1) the models rounds `round - 1` and `round` opened with, from
 * `store` (then the count is theirs), and a pca one the task's input basis, from `store` too.
 */
export async function decodeTaskRound(
  task: Pick<TaskSnapshot, "id" | "modelURI" | "layout" | "roundInfos">,
  round: number,
  words: readonly bigint[],
  dimension: ModelDimension = modelDimensionFromApi,
  store: ModelStore = browserModelStore(),
): Promise<RoundDecoding> {
  const spec = specFromModelURI(task.modelURI);
  if (!spec) return { values: decodeAggregate(words, task.roundInfos[round - 1].contributors, task.layout) };
  const encoding = taskEncodingName(task);
  const artifacts = await encodingArtifacts(spec, store);
  if (needsOpeningModels(spec, round)) {
    const models = await openingModels(task, spec, round, store);
    return { values: decodeRound(task, spec, models.current.length, round, words, models, artifacts), encoding };
  }
  const d = compresses(spec.encoding?.kind) ? await dimension(spec) : task.layout.paramCount;
  return { values: decodeRound(task, spec, d, round, words, undefined, artifacts), encoding };
}
