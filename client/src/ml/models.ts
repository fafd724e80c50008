// Model architectures described by a small JSON spec, so every participant can rebuild the exact
// same initial model from what the coordinator publishes, and the protocol can treat a model as
// one flat vector of float32 weights.

import * as tf from "@tensorflow/tfjs";
import { DEFAULT_HIDDEN, type ModelKind, type ModelSpec } from "../protocol/modelSpec";
import { mulberry32 } from "./rng";

export type { ModelKind, ModelSpec };

// Kernels start at zero; initialiseWeights then fills them from the seed.
const ZERO_INIT = { kernelInitializer: "zeros", biasInitializer: "zeros" } as const;

const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * LeNet-5's layout (LeCun et al., 1998) with today's ReLU and max pooling: 6 5x5 filters ("same", as
 * LeNet's 32x32 input is a padded 28x28), pool, 16 5x5 filters, pool, dense 120 and 84. On 28x28x1
 * with 10 classes: 61,706 parameters, the usual MNIST CNN workload.
 */
function lenetLayers(): tf.layers.Layer[] {
  const conv = (filters: number, padding: "same" | "valid") =>
    tf.layers.conv2d({ filters, kernelSize: 5, padding, activation: "relu", ...ZERO_INIT });
  return [
    conv(6, "same"),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    conv(16, "valid"),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 120, activation: "relu", ...ZERO_INIT }),
    tf.layers.dense({ units: 84, activation: "relu", ...ZERO_INIT }),
  ];
}

function flattenIfImage(spec: ModelSpec): tf.layers.Layer[] {
  return spec.inputShape.length > 1 ? [tf.layers.flatten()] : [];
}

/** Layers between the input and the output layer. */
function bodyLayers(spec: ModelSpec): tf.layers.Layer[] {
  const hidden = spec.hidden ?? DEFAULT_HIDDEN[spec.kind];
  switch (spec.kind) {
    case "logreg":
      return flattenIfImage(spec);
    case "mlp":
      return [
        ...flattenIfImage(spec),
        ...hidden.map((units) => tf.layers.dense({ units, activation: "relu", ...ZERO_INIT })),
      ];
    case "cnn":
      if (spec.inputShape.length !== 3) {
        throw new Error(`a cnn needs inputShape [height, width, channels], got [${spec.inputShape}]`);
      }
      return [
        ...hidden.flatMap((filters) => [
          tf.layers.conv2d({ filters, kernelSize: 3, padding: "same", activation: "relu", ...ZERO_INIT }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
        ]),
        tf.layers.flatten(),
      ];
    case "lenet":
      return lenetLayers();
  }
}

/**
 * Builds the model of `spec` and initialises it deterministically from `spec.seed`. The output
 * layer is linear: the model returns logits (softmax is applied inside the loss).
 */
export function buildModel(spec: ModelSpec): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.inputLayer({ inputShape: spec.inputShape }),
      ...bodyLayers(spec),
      tf.layers.dense({ units: spec.numClasses, ...ZERO_INIT }),
    ],
  });
  initialiseWeights(model, spec.seed);
  // Frozen layers keep their weights: no optimizer sees them (train.ts and dpTrain.ts take the trainable ones).
  const weighted = model.layers.filter((layer) => layer.weights.length > 0);
  for (const layer of weighted.slice(0, spec.frozenLayers ?? 0)) layer.trainable = false;
  return model;
}

/**
 * The model's variables in the protocol's order: layer by layer, kernel then bias, frozen or not (tfjs's
 * model.weights lists the trainable ones first, which would move a frozen layer's weights to the end).
 */
export function protocolWeights(model: tf.LayersModel): tf.LayerVariable[] {
  return model.layers.flatMap((layer) => layer.weights);
}

/** Whether each of protocolWeights belongs to a layer that trains (a variable's own flag does not always follow its layer's). */
export function trainableMask(model: tf.LayersModel): boolean[] {
  return model.layers.flatMap((layer) => layer.weights.map(() => layer.trainable));
}

/**
 * Glorot-uniform kernels and zero biases, drawn in JS from our seeded PRNG rather than tfjs's
 * initialisers: the same seed then gives bitwise-identical weights on every backend.
 */
export function initialiseWeights(model: tf.LayersModel, seed: number): void {
  const rng = mulberry32(seed);
  const flat = new Float32Array(parameterCount(model));
  let off = 0;
  for (const w of protocolWeights(model)) {
    const shape = w.shape as number[];
    const size = sizeOf(shape);
    if (shape.length >= 2) {
      const receptive = sizeOf(shape.slice(0, -2));
      const limit = Math.sqrt(6 / (receptive * (shape[shape.length - 2] + shape[shape.length - 1])));
      for (let i = 0; i < size; i++) flat[off + i] = (2 * rng() - 1) * limit;
    }
    off += size;
  }
  setFlatWeights(model, flat);
}

export function parameterCount(model: tf.LayersModel): number {
  return protocolWeights(model).reduce((n, w) => n + sizeOf(w.shape as number[]), 0);
}

/** All weights, layer by layer (kernel then bias), as one vector: the unit the protocol sends. */
export function getFlatWeights(model: tf.LayersModel): Float32Array {
  const flat = new Float32Array(parameterCount(model));
  let off = 0;
  // read() returns the variable itself: read it, never dispose it.
  for (const w of protocolWeights(model)) {
    const t = w.read();
    flat.set(t.dataSync() as Float32Array, off);
    off += t.size;
  }
  return flat;
}

/** A flat weight vector cut into one new tensor per model variable (the caller disposes them). */
export function weightTensors(model: tf.LayersModel, flat: Float32Array): tf.Tensor[] {
  const n = parameterCount(model);
  if (flat.length !== n) throw new Error(`model has ${n} parameters, got a vector of ${flat.length}`);
  let off = 0;
  return protocolWeights(model).map((w) => {
    const size = sizeOf(w.shape as number[]);
    const t = tf.tensor(flat.subarray(off, off + size), w.shape as number[]);
    off += size;
    return t;
  });
}

/** Inverse of getFlatWeights. */
export function setFlatWeights(model: tf.LayersModel, flat: Float32Array): void {
  const tensors = weightTensors(model, flat);
  protocolWeights(model).forEach((w, i) => w.write(tensors[i])); // copies the values into the variables
  tf.dispose(tensors);
}
