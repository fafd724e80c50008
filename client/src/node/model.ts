import { canonicalJson, specHash, type ModelSpec } from "../ml/models";

const DATA_URI_PREFIX = "data:application/json,";

/** The bytes32 commitment the chain stores for a model: sha256 over the spec and the float32 weights. */
export function modelCommitment(spec: ModelSpec, weights: Float32Array): string {
  return "0x" + specHash(spec, weights);
}

/** Publishes a model spec inside the task itself, so participants need nothing but the chain. */
export function specToUri(spec: ModelSpec): string {
  return DATA_URI_PREFIX + encodeURIComponent(canonicalJson(spec));
}

export function specFromUri(uri: string): ModelSpec {
  if (!uri.startsWith(DATA_URI_PREFIX)) {
    throw new Error(`the task's model URI "${uri.slice(0, 60)}" is not an inline model spec (${DATA_URI_PREFIX}...)`);
  }
  const spec = JSON.parse(decodeURIComponent(uri.slice(DATA_URI_PREFIX.length))) as ModelSpec;
  if (!["logreg", "mlp", "cnn"].includes(spec.kind) || !Array.isArray(spec.inputShape)) {
    throw new Error(`the task's model spec is malformed: ${JSON.stringify(spec).slice(0, 120)}`);
  }
  return spec;
}

/** The next global model: float32(global + decoded average delta), identical on every machine. */
export function applyDelta(global: Float32Array, delta: ArrayLike<number>): Float32Array {
  if (delta.length !== global.length) {
    throw new Error(`aggregate has ${delta.length} values, the model has ${global.length}`);
  }
  return global.map((w, i) => w + delta[i]);
}
