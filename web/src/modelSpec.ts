import { DEFAULT_ENCODING, compresses, encodingName } from "../../client/src/codec/encoding";
import { specFromUri, type ModelSpec } from "../../client/src/protocol/modelSpec";
import { ENCODING_OPTIONS } from "./encodingChoice";

/** What the model API answers for a spec: the commitment createTask records and where the spec lives. */
export interface ModelCommitment {
  spec: ModelSpec;
  paramCount: number;
  /** 0x + sha256 of the canonical spec JSON and the seeded initial weights (client/src/protocol/modelSpec modelCommitment). */
  modelHash: string;
  /** The spec itself as a data: URI, so every participant can rebuild the initial model from the chain. */
  modelURI: string;
}

/** The spec a task's modelURI carries, or undefined for a task whose model lives elsewhere (pages show it as unknown). */
export function specFromModelURI(uri: string): ModelSpec | undefined {
  try {
    return specFromUri(uri);
  } catch {
    return undefined;
  }
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
