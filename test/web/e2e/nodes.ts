/**
 * The participants of the browser e2e's whole-loop scenario: `flufhe node` CLI processes (the same
 * runtime as real participants, spawned through scripts/lib/participants.ts), what they leave on disk,
 * and the plaintext checks of the owner's downloads (a TensorFlow.js model, an evaluation on a CSV).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { applyStandardiser, fitStandardiser } from "../../../client/src/ml/standardise";
import { buildModel, getFlatWeights, setFlatWeights } from "../../../client/src/ml/models";
import { loadBreastCancer } from "../../../client/src/ml/sklearn";
import { evaluate } from "../../../client/src/ml/train";
import type { ModelFile } from "../../../client/src/node/modelStore";
import { modelCommitment, type ModelSpec } from "../../../client/src/protocol/modelSpec";
import { spawnParticipant, type ParticipantProcess } from "../../../scripts/lib/participants";
import { log } from "./harness";

export interface NodeSetup {
  rpcUrl: string;
  aggregator: string;
  taskId: number;
  dir: string;
  /** Simulated participants the breast-cancer training set is split into. */
  clients: number;
}

/** Where node `account` keeps the global models it computes (`--model-dir`). */
export const modelDir = (setup: NodeSetup, account: number) => path.join(setup.dir, `models-${account}`);

/**
 * Starts `flufhe node` for devnet account `account` on partition `account - 1` of breast-cancer; `models`
 * lists where it may fetch a round's committed model it cannot rebuild (a late joiner's --models).
 */
export function startNode(setup: NodeSetup, account: number, models: string[] = []): ParticipantProcess {
  const args = [
    ...["--rpc", setup.rpcUrl, "--aggregator", setup.aggregator, "--task", String(setup.taskId)],
    ...["--account", String(account), "--data", "breast-cancer"],
    ...["--client", String(account - 1), "--clients", String(setup.clients), "--seed", "3", "--epochs", "1"],
    ...["--state", path.join(setup.dir, `node-${account}.json`), "--model-dir", modelDir(setup, account)],
    ...(models.length > 0 ? ["--models", models.join(",")] : []),
    ...["--max-wait-minutes", "10"],
  ];
  const node = spawnParticipant(account, args, (i, e) => log(`node ${i}: ${JSON.stringify(e)}`));
  log(`node for account ${account} started (pid ${node.child.pid})`);
  return node;
}

/** Whether node `account` holds the global model `commitment` it computed itself. */
export function nodeHasModel(setup: NodeSetup, account: number, commitment: string): boolean {
  const file = path.join(modelDir(setup, account), `${commitment}.json`);
  if (!existsSync(file)) return false;
  const saved = JSON.parse(readFileSync(file, "utf8")) as ModelFile;
  return (
    saved.commitment === commitment && modelCommitment(saved.spec, Float32Array.from(saved.weights)) === commitment
  );
}

/** The weights of a model a node saved. */
export function nodeModel(setup: NodeSetup, account: number, commitment: string): Float32Array {
  const saved = JSON.parse(
    readFileSync(path.join(modelDir(setup, account), `${commitment}.json`), "utf8"),
  ) as ModelFile;
  return Float32Array.from(saved.weights);
}

/** The commitment of a TensorFlow.js download (model JSON + weights binary), loaded as tf.loadLayersModel would. */
export async function tfjsCommitment(spec: ModelSpec, jsonPath: string, binPath: string): Promise<string> {
  await tf.setBackend("cpu");
  const json = JSON.parse(readFileSync(jsonPath, "utf8")) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const bin = readFileSync(binPath);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }),
  );
  try {
    return modelCommitment(spec, getFlatWeights(model));
  } finally {
    model.dispose();
  }
}

/**
 * A held-out CSV the owner evaluates on (breast-cancer's first `rows` samples, raw features, a "diagnosis"
 * label column first), and the accuracy the nodes' evaluate gives `weights` on it after z-scoring it with
 * its own statistics (what the page does with "standardise").
 */
export async function evaluationCsv(
  file: string,
  rows: number,
  spec: ModelSpec,
  weights: Float32Array,
): Promise<{ text: string; accuracy: number; marker: string }> {
  await tf.setBackend("cpu");
  const all = loadBreastCancer();
  const f = all.numFeatures;
  const lines = [["diagnosis", ...Array.from({ length: f }, (_, j) => `feature_${j}`)].join(",")];
  for (let i = 0; i < rows; i++) lines.push([all.y[i], ...all.x.subarray(i * f, (i + 1) * f)].join(","));
  const text = lines.join("\n") + "\n";
  writeFileSync(file, text);
  const data = { ...all, x: all.x.slice(0, rows * f), y: all.y.slice(0, rows) };
  const model = buildModel(spec);
  setFlatWeights(model, weights);
  const { accuracy } = evaluate(model, applyStandardiser(fitStandardiser(data), data));
  model.dispose();
  return { text, accuracy, marker: lines[3] };
}
