import type { CodecParams } from "../../client/src/codec/layout";

/** Small codec shared by the unit and contract tests: 8-bit values, 12-bit lanes (10 per word), 8-word chunks, 3 chunks. */
export const SMALL_CODEC: CodecParams = {
  valueBits: 8,
  laneBits: 12,
  wordsPerChunk: 8,
  paramCount: 200,
  clip: 0.5,
  sampleCap: 0,
  weightFloor: 1,
};
