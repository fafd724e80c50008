/** The model as both roles hold it: the initial model of a spec and the FedAvg step (tfjs). */
import { buildModel, getFlatWeights } from "../ml/models";
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

export function initialModel(spec: ModelSpec): InitialModel {
  const model = buildModel(spec);
  try {
    const weights = getFlatWeights(model);
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
