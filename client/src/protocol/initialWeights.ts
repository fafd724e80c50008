/**
 * A task's published initial weights (spec `initialWeights: "published"`): reading them from a model
 * file and checking them against the spec's model, the same in the nodes, the CLI and the page. Pure.
 */
import type { ModelSpec } from "./modelSpec";

/**
 * The weights of a model file: any JSON object whose `weights` is a list of finite numbers (the nodes'
 * and `fl:decrypt`'s model files, or the page's "Download the model file for nodes"). `name` says
 * where the value came from, for the error.
 */
export function parseModelWeights(value: unknown, name: string): Float32Array {
  const weights = (value as { weights?: unknown } | null)?.weights;
  if (!Array.isArray(weights) || weights.some((w) => typeof w !== "number" || !Number.isFinite(w))) {
    throw new Error(`${name}: a model file is a JSON object whose "weights" is a list of finite numbers`);
  }
  return Float32Array.from(weights as number[]);
}

/**
 * The published weights a spec starts from, checked against its model's `paramCount`; undefined for a
 * spec that starts from its seed (the caller builds those), which refuses given weights.
 */
export function publishedStart(
  spec: Pick<ModelSpec, "initialWeights">,
  paramCount: number,
  published?: Float32Array,
): Float32Array | undefined {
  if (spec.initialWeights !== "published") {
    if (published) throw new Error('given initial weights need a spec with initialWeights "published"');
    return undefined;
  }
  if (!published) throw new Error("the spec starts from published weights: give them (--initial-weights <model file>)");
  if (published.length !== paramCount) {
    throw new Error(
      `the initial weights hold ${published.length} values, the spec's model has ${paramCount} parameters`,
    );
  }
  const bad = published.findIndex((w) => !Number.isFinite(w));
  if (bad >= 0) throw new Error(`initial weight ${bad} is ${published[bad]}: weights must be finite numbers`);
  return published;
}
