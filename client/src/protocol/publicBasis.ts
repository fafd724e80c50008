/**
 * A new pca task's input basis from public records of its inputs (a share no participant trains on, or
 * published records of the same schema): the nodes' fl:create-task and demo, the benchmark and the web
 * form compute it with the same code, so the same records give the same basis and digest everywhere.
 * Pure: no I/O.
 */
import { encodingName, withInputBasis, type EncodingSpec } from "../codec/encoding";
import { principalInputBasis, type InputBasis } from "../codec/inputBasis";
import type { Dataset } from "../ml/dataset";
import type { ModelSpec } from "./modelSpec";
import { DEFAULT_ENCODINGS } from "./taskChoices";
import { pcaKeepByWordsRule } from "./wordsRule";

/** A pca basis of `keep` directions from a public sample (its inputs only), with the share of their energy it holds. */
export function basisFromSample(sample: Dataset, keep: number): { basis: InputBasis; retained: number } {
  if (sample.y.length === 0) throw new Error("the public sample is empty: a pca basis needs at least one record");
  return principalInputBasis(sample.x, sample.y.length, sample.numFeatures, keep);
}

/**
 * A new task's encoding with what it needs from public data: a pca encoding gets its keep (the words
 * rule's for `model` at `valueBits` when the flag gave none), its basis from `sample` and the basis'
 * digest in its spec; other encodings pass as they are. `flag` names where the sample comes from, for
 * the error when there is none ("--public-share <fraction>"). `byDefault`: the owner named no encoding and
 * pca is the default with public records (PUBLIC_SAMPLE_DEFAULTS); where the words rule finds no keep for
 * this model (its layers after the first alone are too many words), the kind's default without public
 * records is taken instead and `unfit` says why, where an explicit pca would be refused.
 */
export function withPublicBasis(
  encoding: EncodingSpec | undefined,
  sample: Dataset | undefined,
  o: { flag: string; model: ModelSpec; valueBits?: number; byDefault?: boolean },
): { encoding?: EncodingSpec; inputBasis?: InputBasis; retained?: number; unfit?: string } {
  if (encoding?.kind !== "pca") return { encoding };
  if (!sample) throw new Error(`${encodingName(encoding)} takes its input basis from a public sample: add ${o.flag}`);
  let keep = encoding.keep;
  try {
    keep ??= pcaKeepByWordsRule(o.model, o.valueBits);
  } catch (error) {
    if (!o.byDefault) throw error;
    return { encoding: DEFAULT_ENCODINGS[o.model.kind], unfit: (error as Error).message };
  }
  const { basis, retained } = basisFromSample(sample, keep);
  return { encoding: withInputBasis({ ...encoding, keep }, basis), inputBasis: basis, retained };
}
