/**
 * TensorFlow.js in the page, loaded on demand (it stays out of the first page load) and run on the cpu
 * backend: reading weights back is exact there, whereas WebGL may hold float32 weights in float16
 * textures, and one changed bit changes a model's commitment. The model code is the nodes' own
 * (client/src/ml/models: the spec's Sequential, its seeded initial weights, flat weight vectors).
 */
import type { ModelSpec } from "../../../client/src/protocol/modelSpec";
import type { Dataset } from "../../../client/src/ml/dataset";

type Tf = typeof import("@tensorflow/tfjs");
type Models = typeof import("../../../client/src/ml/models");
type Train = typeof import("../../../client/src/ml/train");
type Sequential = import("@tensorflow/tfjs").Sequential;
type LayersModel = import("@tensorflow/tfjs").LayersModel;

export interface TfKit {
  tf: Tf;
  models: Models;
  train: Train;
}

let kit: Promise<TfKit> | undefined;

/** tfjs on the cpu backend, with the nodes' model and evaluation code. */
export function loadTf(): Promise<TfKit> {
  kit ??= (async () => {
    const [tf, models, train] = await Promise.all([
      import("@tensorflow/tfjs"),
      import("../../../client/src/ml/models"),
      import("../../../client/src/ml/train"),
    ]);
    // Not tf.getBackend(): asking for the current backend first initialises the best one (WebGL).
    if (!(await tf.setBackend("cpu"))) throw new Error("the TensorFlow.js cpu backend did not start");
    await tf.ready();
    return { tf, models, train };
  })();
  kit.catch(() => (kit = undefined));
  return kit;
}

/** The spec's seeded initial weights (what createTask committed to and every node rebuilds). */
export async function initialWeights(spec: ModelSpec): Promise<Float32Array> {
  const { models } = await loadTf();
  const model = models.buildModel(spec);
  try {
    return models.getFlatWeights(model);
  } finally {
    model.dispose();
  }
}

/** The spec's Sequential holding `weights` (the caller disposes it). */
export async function modelWithWeights(spec: ModelSpec, weights: Float32Array): Promise<Sequential> {
  const { models } = await loadTf();
  const model = models.buildModel(spec);
  try {
    models.setFlatWeights(model, weights);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/** What a TensorFlow.js download holds: the model JSON (topology + weights manifest) and the weights binary. */
export interface TfjsFiles {
  jsonName: string;
  binName: string;
  json: string;
  bin: ArrayBuffer;
}

type LayerJson = { class_name?: string; config?: { activation?: string } };

/**
 * A Sequential topology whose output layer gives class probabilities (softmax), as users of a downloaded
 * classifier expect from `model.predict`; the nodes' models end in logits (softmax sits in their loss).
 * The weights are the same, so the download still hashes to the model's commitment.
 */
export function withSoftmaxOutput(topology: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(topology)) as {
    class_name?: string;
    config?: { layers?: LayerJson[] } | LayerJson[];
  };
  const config = copy.config;
  const layers = Array.isArray(config) ? config : config?.layers;
  const last = layers?.[layers.length - 1];
  if (copy.class_name !== "Sequential" || last?.class_name !== "Dense" || !last.config) {
    throw new Error("the model's topology does not end in a dense layer: cannot add the softmax output");
  }
  last.config.activation = "softmax";
  return copy;
}

/** Whether a loaded model's last layer already turns logits into probabilities. */
export function endsInSoftmax(model: LayersModel): boolean {
  const last = model.layers[model.layers.length - 1];
  return (last?.getConfig() as { activation?: unknown }).activation === "softmax";
}

/**
 * The model as `tf.loadLayersModel` loads it: `<prefix>.json` (topology, and a manifest naming
 * `./<prefix>.weights.bin`) and the binary, the layout `model.save(tf.io.browserDownloads(prefix))`
 * writes, with a softmax output (withSoftmaxOutput); `metadata` goes into the JSON's userDefinedMetadata.
 */
export async function tfjsFiles(
  spec: ModelSpec,
  weights: Float32Array,
  prefix: string,
  metadata: Record<string, unknown>,
): Promise<TfjsFiles> {
  const { tf } = await loadTf();
  const model = await modelWithWeights(spec, weights);
  try {
    model.setUserDefinedMetadata(metadata);
    let saved: import("@tensorflow/tfjs").io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
      }),
    );
    if (!saved?.weightSpecs || !saved.weightData) throw new Error("tfjs saved no weights");
    const binName = `${prefix}.weights.bin`;
    const json = {
      modelTopology: withSoftmaxOutput(saved.modelTopology),
      format: saved.format,
      generatedBy: saved.generatedBy,
      convertedBy: saved.convertedBy ?? null,
      weightsManifest: [{ paths: [`./${binName}`], weights: saved.weightSpecs }],
      userDefinedMetadata: saved.userDefinedMetadata,
    };
    return {
      jsonName: `${prefix}.json`,
      binName,
      json: JSON.stringify(json),
      bin: tf.io.CompositeArrayBuffer.join(saved.weightData),
    };
  } finally {
    model.dispose();
  }
}

/** Loads a model.json and its weight files (as picked by the user) with tf.io.browserFiles. */
export async function loadTfjsFiles(json: File, weights: File[]): Promise<LayersModel> {
  const { tf } = await loadTf();
  return tf.loadLayersModel(tf.io.browserFiles([json, ...weights]));
}

/** Accuracy and mean cross-entropy of `model` on `data` (client/src/ml/train's evaluate, as the nodes report it). */
export async function evaluateModel(model: LayersModel, data: Dataset) {
  const { train } = await loadTf();
  return train.evaluate(model, data);
}

/** The flat weights of a loaded model, in the protocol's order. */
export async function flatWeights(model: LayersModel): Promise<Float32Array> {
  const { models } = await loadTf();
  return models.getFlatWeights(model);
}
