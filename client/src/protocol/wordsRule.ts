/**
 * The words rule (issue 21): a compressed encoding's size is chosen so that its update is at most a
 * tenth of the 8-bit codec's words for every cohort a task may have, whatever the data. It needs only
 * the model's shape, so any task can apply it; nothing is tuned on a benchmark's test split.
 */
import { framedParamCount } from "../codec/frame";
import type { CodecParams } from "../codec/layout";
import { checkPcaFits, type ModelSpec } from "./modelSpec";
import { codecDefaults, taskSettings } from "./taskChoices";
import { trainedMatrices, weightShapes } from "./weightShapes";

/** At most a tenth of the 8-bit codec's words, for cohorts from 3 to 32. */
export const WORDS_RULE = { ratio: 10, cohorts: [3, 8, 16, 32], baseline: { valueBits: 8, clip: 0.1 } } as const;

type LaneShape = Pick<CodecParams, "valueBits" | "laneBits" | "wordsPerChunk" | "sampleCap">;

/** Words per participant per round of `coordinates` compressed values for a model of `paramCount`, at a cohort. */
function wordsOf(paramCount: number, coordinates: number | undefined, maxCohort: number, valueBits: number): number {
  const encoding =
    coordinates === undefined
      ? undefined
      : { spec: { kind: "pca" as const }, paramCount: (shape: LaneShape) => framedParamCount(coordinates, shape) };
  const clip = coordinates === undefined ? WORDS_RULE.baseline.clip : codecDefaults("pca").clip;
  return taskSettings(paramCount, { maxCohort, valueBits, clip }, encoding).plan.layout.wordCount;
}

/** Whether sending `coordinates` values at `valueBits` keeps the words rule for a model of `paramCount`. */
export function keepsWordsRule(paramCount: number, coordinates: number, valueBits: number): boolean {
  return WORDS_RULE.cohorts.every(
    (k) =>
      wordsOf(paramCount, coordinates, k, valueBits) * WORDS_RULE.ratio <=
      wordsOf(paramCount, undefined, k, WORDS_RULE.baseline.valueBits),
  );
}

/**
 * pca's keep by the words rule: the most input directions whose update (keep x units of the first
 * kernel, every other parameter whole) keeps it at `valueBits`. Throws when even one direction does
 * not (a model whose other layers alone exceed a tenth), saying so.
 */
export function pcaKeepByWordsRule(spec: ModelSpec, valueBits = codecDefaults("pca").valueBits): number {
  checkPcaFits(spec, 1);
  const paramCount = weightShapes(spec).reduce((s, shape) => s + shape.reduce((a, b) => a * b, 1), 0);
  const kernel = trainedMatrices(spec)[0];
  const coordinates = (keep: number) => paramCount - kernel.rows * kernel.cols + keep * kernel.cols;
  if (!keepsWordsRule(paramCount, coordinates(1), valueBits)) {
    throw new Error(
      `no pca keep sends a tenth of the 8-bit codec's words for this ${spec.kind}: its layers after the first ` +
        "alone are too many; give pca:<keep> yourself or use lowrank",
    );
  }
  let fits = 1;
  let fails = kernel.rows;
  while (fails - fits > 1) {
    const mid = Math.floor((fits + fails) / 2);
    if (keepsWordsRule(paramCount, coordinates(mid), valueBits)) fits = mid;
    else fails = mid;
  }
  return fits;
}
