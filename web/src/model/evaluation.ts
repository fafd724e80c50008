/**
 * Evaluating a global model on a local file, all inside the page: the model comes from this browser's
 * store or from files the user picks (a TensorFlow.js model.json + weights, or a nodes' model file), the
 * data from a picked CSV or IDX pair; nothing is sent anywhere. No React here.
 */
import type { LayersModel, Tensor } from "@tensorflow/tfjs";
import { modelCommitment, parseModelSpec, type ModelSpec } from "../../../client/src/protocol/modelSpec";
import { datasetFromFiles, readPicked, type DataOptions, type ModelShape } from "./dataFiles";
import { parseNodeModelFile } from "./files";
import { readVerified, type ModelStore } from "./store";
import { endsInSoftmax, evaluateModel, flatWeights, loadTf, loadTfjsFiles, modelWithWeights } from "./tfjs";

/** Which model to evaluate: one kept in this browser, or picked files. */
export type ModelChoice = { kind: "stored"; commitment: string; spec: ModelSpec } | { kind: "files"; files: File[] };

export interface LoadedModel {
  model: LayersModel;
  shape: ModelShape;
  /** The model's commitment when its spec is known (stored, nodes' file, or our TensorFlow.js metadata). */
  commitment?: string;
  source: string;
}

/** The spec our TensorFlow.js downloads carry in userDefinedMetadata.flufhe, if it is there and valid. */
function specFromMetadata(model: LayersModel): ModelSpec | undefined {
  const meta = model.getUserDefinedMetadata() as { flufhe?: { spec?: unknown } } | undefined;
  try {
    return meta?.flufhe?.spec ? parseModelSpec(meta.flufhe.spec) : undefined;
  } catch {
    return undefined;
  }
}

/** Input shape and class count read off a model built elsewhere. */
function shapeOf(model: LayersModel): ModelShape {
  const input = model.inputs[0].shape.slice(1);
  const output = model.outputs[0].shape;
  if (input.some((d) => d === null) || output[output.length - 1] === null) {
    throw new Error("the model's input or output size is not fixed: it cannot be evaluated here");
  }
  return { inputShape: input as number[], numClasses: output[output.length - 1] as number };
}

/**
 * A model for the nodes' evaluate, which reads logits: one that ends in softmax answers the log of its
 * probabilities (the same cross-entropy and the same arg max); others are used as they are.
 */
async function asLogits(model: LayersModel): Promise<LayersModel> {
  if (!endsInSoftmax(model)) return model;
  const { tf } = await loadTf();
  // evaluate() only calls predict; dispose() reaches the wrapped model.
  const logits = {
    predict: (xs: Tensor) => tf.tidy(() => tf.log(tf.maximum(model.predict(xs) as Tensor, 1e-30))),
    dispose: () => model.dispose(),
  };
  return logits as unknown as LayersModel;
}

export async function loadChosenModel(choice: ModelChoice, store: ModelStore): Promise<LoadedModel> {
  if (choice.kind === "stored") {
    const weights = await readVerified(store, choice.commitment, choice.spec);
    if (!weights)
      throw new Error(`this browser no longer holds model ${choice.commitment} (or it failed its hash check)`);
    return {
      model: await modelWithWeights(choice.spec, weights),
      shape: choice.spec,
      commitment: choice.commitment,
      source: "kept in this browser",
    };
  }
  const jsons = choice.files.filter((f) => /\.json$/i.test(f.name));
  const rest = choice.files.filter((f) => !/\.json$/i.test(f.name));
  if (jsons.length !== 1) throw new Error("pick one model JSON (and, for TensorFlow.js, its .bin weights file)");
  const [json] = jsons;
  const parsed: unknown = JSON.parse(new TextDecoder().decode((await readPicked(json)).bytes));
  if (typeof parsed === "object" && parsed !== null && "modelTopology" in parsed) {
    if (rest.length === 0) throw new Error(`${json.name} is a TensorFlow.js model: pick its weights (.bin) file too`);
    const loaded = await loadTfjsFiles(json, rest);
    const spec = specFromMetadata(loaded);
    const source = `${json.name} (TensorFlow.js)`;
    if (!spec) return { model: await asLogits(loaded), shape: shapeOf(loaded), source };
    // Ours: evaluated as the nodes do, on the spec's model (logits) with the downloaded weights.
    try {
      const weights = await flatWeights(loaded);
      return {
        model: await modelWithWeights(spec, weights),
        shape: spec,
        commitment: modelCommitment(spec, weights),
        source,
      };
    } finally {
      loaded.dispose();
    }
  }
  const file = parseNodeModelFile(parsed, json.name);
  return {
    model: await modelWithWeights(file.spec, file.weights),
    shape: file.spec,
    commitment: file.commitment,
    source: `${json.name} (model file)`,
  };
}

export interface Evaluation {
  accuracy: number;
  loss: number;
  samples: number;
  commitment?: string;
  modelSource: string;
  dataSource: string;
}

/** Loads the model, parses the data files in the page and evaluates (the nodes' evaluate). */
export async function evaluateLocally(
  choice: ModelChoice,
  data: File[],
  options: DataOptions,
  store: ModelStore,
): Promise<Evaluation> {
  await loadTf();
  const picked = await Promise.all(data.map(readPicked));
  const loaded = await loadChosenModel(choice, store);
  try {
    const dataset = datasetFromFiles(picked, loaded.shape, options);
    const result = await evaluateModel(loaded.model, dataset);
    return {
      accuracy: result.accuracy,
      loss: result.loss,
      samples: result.numSamples,
      commitment: loaded.commitment,
      modelSource: loaded.source,
      dataSource: picked.map((p) => p.name).join(" + "),
    };
  } finally {
    loaded.model.dispose();
  }
}
