/** A task's codec as the contract stores it, and back: the chain's values are the source of truth. */
import { layoutOf, type CodecParams, type Layout } from "../codec/layout";
import type { IFLuFHEAggregator } from "../../../types/contracts/FLuFHEAggregator";

/** Clip bounds are stored on-chain in millionths. */
export const CLIP_UNITS = 1_000_000;

/** Codec settings as the contract stores them. */
export type OnChainCodec = IFLuFHEAggregator.CodecConfigStruct;

/** The clip bound in the chain's units; throws when it would round to nothing or overflow. */
export function clipToMicros(clip: number): bigint {
  const micros = Math.round(clip * CLIP_UNITS);
  if (!Number.isFinite(clip) || clip <= 0 || micros < 1) {
    throw new Error(`the clip bound must be at least ${1 / CLIP_UNITS} (the chain stores millionths), got ${clip}`);
  }
  if (micros > Number.MAX_SAFE_INTEGER) throw new Error(`the clip bound ${clip} is too large`);
  return BigInt(micros);
}

/**
 * The clip bound exactly as every participant will read it back from the chain: owners must encode
 * and decode with this value, not with the number they typed.
 */
export function onChainClip(clip: number): number {
  return Number(clipToMicros(clip)) / CLIP_UNITS;
}

/** Converts codec settings to the contract's representation. */
export function toOnChainCodec(params: CodecParams): OnChainCodec {
  return {
    valueBits: params.valueBits,
    laneBits: params.laneBits,
    wordsPerChunk: params.wordsPerChunk,
    paramCount: params.paramCount,
    clipMicros: clipToMicros(params.clip),
    sampleCap: params.sampleCap,
    weightFloor: params.weightFloor,
  };
}

/** Reads a task's codec back from `getTask` and derives the layout every participant uses. */
export function layoutFromTask(task: IFLuFHEAggregator.TaskViewStructOutput): Layout {
  const c = task.config.codec;
  return layoutOf(
    {
      valueBits: Number(c.valueBits),
      laneBits: Number(c.laneBits),
      wordsPerChunk: Number(c.wordsPerChunk),
      paramCount: Number(c.paramCount),
      clip: Number(c.clipMicros) / CLIP_UNITS,
      sampleCap: Number(c.sampleCap),
      weightFloor: Number(c.weightFloor),
    },
    Number(task.config.maxCohort),
  );
}
