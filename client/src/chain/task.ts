import { layoutOf, type CodecParams, type Layout } from "../codec/layout";
import type { IFLuFHEAggregator } from "../../../types/contracts/FLuFHEAggregator";

/** Clip bounds are stored on-chain in millionths. */
export const CLIP_UNITS = 1_000_000;

/** Codec settings as the contract stores them. */
export type OnChainCodec = IFLuFHEAggregator.CodecConfigStruct;

/** Converts codec settings to the contract's representation. */
export function toOnChainCodec(params: CodecParams): OnChainCodec {
  return {
    valueBits: params.valueBits,
    laneBits: params.laneBits,
    wordsPerChunk: params.wordsPerChunk,
    paramCount: params.paramCount,
    clipMicros: BigInt(Math.round(params.clip * CLIP_UNITS)),
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
