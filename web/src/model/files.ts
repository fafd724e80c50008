/**
 * Files a global model travels in: the nodes' model file (`<commitment>.json`, the format of
 * client/src/node/modelStore that `flufhe node --models <dir|url>` reads, checked against the chain
 * there), and downloads from the page. No React here.
 */
import type { ModelFile } from "../../../client/src/node/modelStore";
import { modelCommitment, parseModelSpec, type ModelSpec } from "../../../client/src/protocol/modelSpec";
import type { GlobalModel } from "./store";

/** The nodes' model file for `model`: a late joiner puts it in its --models directory (or a served one). */
export function nodeModelFile(model: GlobalModel, taskId: bigint): { filename: string; json: ModelFile } {
  return {
    filename: `${model.commitment}.json`,
    json: {
      spec: model.spec,
      commitment: model.commitment,
      weights: Array.from(model.weights),
      task: String(taskId),
      round: model.afterRound,
    },
  };
}

/** A model file read back (e.g. picked on the evaluation page): accepted only if it hashes to its commitment. */
export function parseNodeModelFile(
  value: unknown,
  name: string,
): { spec: ModelSpec; weights: Float32Array; commitment: string } {
  const v = value as Partial<ModelFile> | null;
  if (typeof v !== "object" || v === null || !Array.isArray(v.weights) || typeof v.commitment !== "string") {
    throw new Error(`${name} is not a FLuFHE model file ({spec, commitment, weights}) nor a TensorFlow.js model.json`);
  }
  let spec: ModelSpec;
  try {
    spec = parseModelSpec(v.spec);
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}`);
  }
  const weights = Float32Array.from(v.weights);
  if (modelCommitment(spec, weights) !== v.commitment) {
    throw new Error(
      `${name}: its weights do not hash to the commitment it names (${v.commitment}): the file was altered`,
    );
  }
  return { spec, weights, commitment: v.commitment };
}

/** Saves a blob under `filename` through a temporary link (the browser's download). */
export function downloadBlob(filename: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadJson(filename: string, value: unknown): void {
  downloadBlob(filename, new Blob([JSON.stringify(value)], { type: "application/json" }));
}
