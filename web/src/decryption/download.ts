import { POLICY_NAMES } from "../../../client/src/protocol/vocabulary";
import type { TaskSnapshot } from "../chain";
import type { Deployment } from "../deployment";
import { specFromModelURI } from "../modelSpec";

/** A decoded round as the page holds it. */
export interface DecodedValues {
  round: number;
  /** The decrypted lane-sum words. */
  words: readonly bigint[];
  /** The decoded averaged update, one value per model parameter. */
  values: Float64Array;
  /** The encoding it was decoded with (decode.ts RoundDecoding). */
  encoding?: string;
}

/** The JSON file a user downloads: where the round comes from, its codec, and the lane sums and average. */
export function aggregateDownload(
  deployment: Pick<Deployment, "chainId" | "aggregator">,
  task: TaskSnapshot,
  decoded: DecodedValues,
): { filename: string; json: () => unknown } {
  const { round } = decoded;
  const { layout } = task;
  const info = task.roundInfos[round - 1];
  return {
    filename: `flufhe-task${task.id}-round${round}.json`,
    json: () => ({
      format: "flufhe-aggregate/1",
      chainId: deployment.chainId,
      aggregator: deployment.aggregator,
      taskId: String(task.id),
      round,
      policy: POLICY_NAMES[task.policy],
      modelHash: task.modelHash,
      modelURI: task.modelURI,
      spec: specFromModelURI(task.modelURI) ?? null,
      globalModelHash: info.globalModelHash,
      codec: {
        valueBits: layout.valueBits,
        laneBits: layout.laneBits,
        wordsPerChunk: layout.wordsPerChunk,
        paramCount: layout.paramCount,
        clip: layout.clip,
        sampleCap: layout.sampleCap,
        weightFloor: layout.weightFloor,
      },
      contributors: info.contributors,
      laneSums: decoded.words.map(String),
      averagedDelta: Array.from(decoded.values),
    }),
  };
}
