/**
 * A task's update encoding as the node uses it: built from the model spec (its `encoding` field, on
 * chain in the task's modelURI and committed in its modelHash), the round's public context, and the
 * participant's error-feedback residual kept in its state file next to the round's encoded update.
 */
import { decodeBase64, encodeBase64 } from "ethers";
import {
  DEFAULT_ENCODING,
  compresses,
  createEncoding,
  type EncodedUpdate,
  type UpdateEncoding,
} from "../codec/encoding";
import { withFrozenPrefix } from "../codec/frozen";
import type { InputBasis } from "../codec/inputBasis";
import type { Layout } from "../codec/layout";
import type { RoundContext, Rng } from "../codec/sharedSeed";
import type { ImageDenseLayer } from "../codec/transforms";
import { DEFAULT_HIDDEN, type ModelSpec } from "../protocol/modelSpec";
import { frozenParamCount, trainedMatrices } from "../protocol/weightShapes";
import type { ParticipantState } from "./participantState";

/**
 * The first dense layer of a logreg or mlp on image inputs ([h, w] or [h, w, c]): its kernel opens
 * the flat weights (flatten has none), [h * w * c, units] in row-major order.
 */
export function imageLayerOf(spec: ModelSpec): ImageDenseLayer | undefined {
  if ((spec.kind !== "logreg" && spec.kind !== "mlp") || (spec.inputShape.length !== 2 && spec.inputShape.length !== 3))
    return undefined;
  const [height, width, channels = 1] = spec.inputShape;
  const units = spec.kind === "mlp" ? ((spec.hidden ?? DEFAULT_HIDDEN.mlp)[0] ?? spec.numClasses) : spec.numClasses;
  return { offset: 0, height, width, channels, units };
}

/** Public data an encoding needs beside the spec: pca's input basis (the spec commits to its digest). */
export interface EncodingArtifacts {
  inputBasis?: InputBasis;
}

/**
 * The encoding a task's spec names (today's codec when it names none), for a model of `paramCount`
 * parameters; with frozen layers it encodes only the parameters after them.
 */
export function taskEncoding(spec: ModelSpec, paramCount: number, artifacts: EncodingArtifacts = {}): UpdateEncoding {
  const frozen = frozenParamCount(spec);
  if (frozen >= paramCount) {
    throw new Error(`the spec freezes ${frozen} parameters of a model that has ${paramCount}`);
  }
  const trained = createEncoding(spec.encoding ?? DEFAULT_ENCODING, {
    paramCount: paramCount - frozen,
    imageLayer: frozen === 0 ? imageLayerOf(spec) : undefined,
    matrices: trainedMatrices(spec),
    inputBasis: artifacts.inputBasis,
  });
  return withFrozenPrefix(trained, frozen);
}

/**
 * Throws unless the task's on-chain codec carries exactly what the spec's encoding sends for this
 * model (for today's codec: one slot per model parameter).
 */
export function checkTaskEncoding(encoding: UpdateEncoding, layout: Layout): void {
  const expected = encoding.paramCount(layout);
  if (expected !== layout.paramCount) {
    const what = !compresses(encoding.name)
      ? `the model spec has ${encoding.modelDimension} parameters`
      : `encoding ${encoding.name} of the model's ${encoding.modelDimension} parameters needs ${expected} slots`;
    throw new Error(`${what} but the task expects ${layout.paramCount}`);
  }
  encoding.checkLayout(layout);
}

/** A participant's residual as stored (base64 of little-endian float32; ethers' base64 runs in browsers too). */
export const residualToText = (values: Float32Array): string =>
  encodeBase64(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));

export function residualFromText(text: string): Float32Array {
  const bytes = decodeBase64(text);
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** The error-feedback residual after the latest round a participant encoded, kept with its state. */
export type Feedback = Pick<ParticipantState, "feedback">;

/**
 * Encodes a round's delta with the participant's residual from its latest earlier round (none in its
 * first) and records the new residual in `state` (the caller saves it with the encoded update, before
 * anything is sent). A round that then fails loses what it sent, as any failed round loses its updates.
 */
export function encodeRound(
  encoding: UpdateEncoding,
  state: Feedback,
  args: { delta: ArrayLike<number>; layout: Layout; ctx: RoundContext; samples: number; dither?: Rng },
): EncodedUpdate {
  const previous = state.feedback && state.feedback.round < args.ctx.round ? state.feedback : undefined;
  const encoded = encoding.encode({ ...args, feedback: previous ? residualFromText(previous.residual) : undefined });
  if (encoded.feedback) state.feedback = { round: args.ctx.round, residual: residualToText(encoded.feedback) };
  return encoded;
}
