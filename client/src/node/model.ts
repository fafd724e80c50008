/** The model as both roles hold it: the initial model of a spec and the FedAvg step (tfjs). */
import { buildModel, getFlatWeights } from "../ml/models";
import { publishedStart } from "../protocol/initialWeights";
import { modelCommitment, specToUri, type ModelSpec } from "../protocol/modelSpec";

/** A spec's seeded initial model: what `createTask` commits to and every participant rebuilds. */
export interface InitialModel {
  spec: ModelSpec;
  weights: Float32Array;
  paramCount: number;
  /** bytes32 commitment (modelCommitment of the spec and the initial weights). */
  modelHash: string;
  /** The spec inline as a data: URI, so participants need nothing but the chain. */
  modelURI: string;
}

/**
 * The task's initial model: the spec's seeded one, or `published` weights (a spec with initialWeights
 * "published" needs them, any other spec refuses them).
 */
export function initialModel(spec: ModelSpec, published?: Float32Array): InitialModel {
  const model = buildModel(spec);
  try {
    const seeded = getFlatWeights(model);
    const weights = publishedStart(spec, seeded.length, published) ?? seeded;
    return {
      spec,
      weights,
      paramCount: weights.length,
      modelHash: modelCommitment(spec, weights),
      modelURI: specToUri(spec),
    };
  } finally {
    model.dispose();
  }
}

/** The next global model: float32(global + decoded average delta), identical on every machine. */
export function applyDelta(global: Float32Array, delta: ArrayLike<number>): Float32Array {
  if (delta.length !== global.length) {
    throw new Error(`aggregate has ${delta.length} values, the model has ${global.length}`);
  }
  return global.map((w, i) => w + delta[i]);
}
