import { DEFAULT_ENCODING, compresses, encodingName, type UpdateEncoding } from "../../client/src/codec/encoding";
import { taskEncoding, type EncodingArtifacts } from "../../client/src/node/encoding";
import { publishedStart } from "../../client/src/protocol/initialWeights";
import { modelCommitment, specFromUri, specToUri, type ModelSpec } from "../../client/src/protocol/modelSpec";
import { ENCODING_OPTIONS } from "./encodingChoice";
import { inputBasisDigestOf, missingInputBasisMessage } from "./model/inputBasis";

/** What the model API answers for a spec: the commitment createTask records and where the spec lives. */
export interface ModelCommitment {
  spec: ModelSpec;
  paramCount: number;
  /** 0x + sha256 of the canonical spec JSON and the seeded initial weights (client/src/protocol/modelSpec modelCommitment). */
  modelHash: string;
  /** The spec itself as a data: URI, so every participant can rebuild the initial model from the chain. */
  modelURI: string;
}

/**
 * The task's encoding as the browser builds it, with what it needs beside the spec (a pca task's input
 * basis, encodingArtifacts reads it from the store): without that basis a pca task is refused with
 * what to load instead of a codec error.
 */
export function browserTaskEncoding(
  spec: ModelSpec,
  paramCount: number,
  artifacts: EncodingArtifacts = {},
): UpdateEncoding {
  if (inputBasisDigestOf(spec) !== undefined && !artifacts.inputBasis) {
    throw new Error(missingInputBasisMessage(spec));
  }
  return taskEncoding(spec, paramCount, artifacts);
}

/** The spec a task's modelURI carries, or undefined for a task whose model lives elsewhere (pages show it as unknown). */
export function specFromModelURI(uri: string): ModelSpec | undefined {
  try {
    return specFromUri(uri);
  } catch {
    return undefined;
  }
}

/** "logreg 30 → 2", "mlp 30 → 2 hidden [8]", or the URI (shortened) when it is not an inline spec. */
export function modelLabel(uri: string): string {
  const spec = specFromModelURI(uri);
  if (!spec) return uri.length > 48 ? uri.slice(0, 45) + "…" : uri;
  const hidden = spec.hidden && spec.hidden.length > 0 ? ` hidden [${spec.hidden.join(", ")}]` : "";
  return `${spec.kind} ${spec.inputShape.join("×")} → ${spec.numClasses}${hidden}`;
}

/** The name and description the owner gave the task (in its spec, so in its commitment); absent when none. */
export function taskAbout(task: { modelURI: string }): { name?: string; description?: string } {
  const spec = specFromModelURI(task.modelURI);
  return { name: spec?.name, description: spec?.description };
}

/** "Task #3: Breast cancer screening", or "Task #3" for a task without a name. */
export function taskTitle(task: { id: bigint; modelURI: string }): string {
  const { name } = taskAbout(task);
  return name ? `Task #${task.id}: ${name}` : `Task #${task.id}`;
}

/** The encoding a task's participants send (encodingName: "quant", "dct:10", ...), from its spec; undefined when not inline. */
export function taskEncodingName(task: { modelURI: string }): string | undefined {
  const spec = specFromModelURI(task.modelURI);
  return spec && encodingName(spec.encoding ?? DEFAULT_ENCODING);
}

/** The task's encoding in words, from its spec alone (known before anything is decrypted). */
export function describeTaskEncoding(task: { modelURI: string }): string {
  const spec = specFromModelURI(task.modelURI);
  if (!spec) return "unknown: the task's model spec is not on chain, so its rounds are decoded as today's codec";
  const encoding = spec.encoding ?? DEFAULT_ENCODING;
  const { label } = ENCODING_OPTIONS[encoding.kind];
  if (!compresses(encoding.kind)) return label;
  const feedback = encoding.feedback === false ? "without" : "with";
  return `${label} (${encodingName(encoding)}, ${feedback} error feedback)`;
}

/**
 * Asks the model API (client/src/ml on the server) for a spec's parameter count and commitment; `body`
 * is the spec's JSON. Throws with the API's reason.
 */
export async function requestModel(body: string, signal?: AbortSignal): Promise<ModelCommitment> {
  const r = await fetch("/api/model", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    signal,
  });
  const answer = (await r.json()) as ModelCommitment & { error?: string };
  if (!r.ok) throw new Error(answer.error ?? `HTTP ${r.status}`);
  return answer;
}

/** The spec without published initial weights: the model the server builds for its parameter count. */
export function seededSpec(spec: ModelSpec): ModelSpec {
  const { initialWeights: _published, ...seeded } = spec;
  return seeded;
}

/**
 * The commitment of a spec that starts from published weights (spec initialWeights "published"): the
 * weights the owner loaded, checked against the model's parameter count, hashed in the page as the
 * nodes hash them (the server builds only seeded models). Throws with what to load or fix.
 */
export function publishedCommitment(
  spec: ModelSpec,
  paramCount: number,
  weights: Float32Array | undefined,
  /** The hash (a stand-in in jsdom tests, whose typed arrays ethers' sha256 rejects). */
  commit: (spec: ModelSpec, weights: Float32Array) => string = modelCommitment,
): ModelCommitment {
  if (!weights) {
    throw new Error("this spec starts from published weights: load the model file it starts from (Initial weights)");
  }
  const checked = publishedStart(spec, paramCount, weights)!;
  return { spec, paramCount, modelHash: commit(spec, checked), modelURI: specToUri(spec) };
}
