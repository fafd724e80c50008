/**
 * The create-task form's public records: a file of the task's inputs that no participant trains on (or
 * records published with the same schema), from which a pca task's input basis is computed in the page
 * exactly as `fl:create-task --public-data <file> --label-column <c> --seed <s>` computes it: the nodes'
 * parser and train/test split (localSplit), the training split's inputs only, the same subspace
 * iteration (client/src/protocol/publicBasis). The same file gives the same basis and digest in the page
 * and in the CLI. No React here.
 */
import type { EncodingSpec } from "../../client/src/codec/encoding";
import type { InputBasis } from "../../client/src/codec/inputBasis";
import type { Dataset } from "../../client/src/ml/dataset";
import type { ModelSpec } from "../../client/src/protocol/modelSpec";
import { withPublicBasis } from "../../client/src/protocol/publicBasis";
import { localSplit, needsLabelColumn, type PickedData } from "./participate/localData";

/** The picked public records and the label column their parse takes (a CSV's header names it). */
export interface PublicRecords {
  picked: PickedData;
  labelColumn: string;
}

/** A pca encoding completed from public records: its keep, its basis and the basis' digest in the spec. */
export interface PublicBasis {
  encoding: EncodingSpec;
  inputBasis: InputBasis;
  /** The share of the records' energy (uncentred second moment) the kept directions hold, in [0, 1]. */
  retained: number;
  /** How many records (the training split of the file) the basis was computed from. */
  records: number;
}

/**
 * The pca encoding `encoding` (keep from the words rule when it names none) completed with the basis of
 * `records` for the model `spec` (its seed splits the file, as the CLI's --seed); throws what to load or
 * fix: no records, a CSV without the label column, records that do not fit the model.
 */
export function publicBasis(
  spec: ModelSpec,
  encoding: EncodingSpec,
  records: PublicRecords | undefined,
  valueBits?: number,
): PublicBasis {
  if (!records) {
    throw new Error(
      "pca takes its input basis from public records of the task's inputs: load them under Public records " +
        "(a CSV of records no participant trains on, or published records of the same schema)",
    );
  }
  const { picked, labelColumn } = records;
  if (needsLabelColumn(picked, labelColumn)) {
    throw new Error(`choose the public records' label column (${picked.columns!.join(", ")})`);
  }
  let train: Dataset;
  try {
    ({ train } = localSplit(picked, spec, { labelColumn, seed: spec.seed }));
  } catch (error) {
    throw new Error(`public records ${picked.dataset.label}: ${(error as Error).message}`);
  }
  const flag = "public records";
  const done = withPublicBasis(encoding, train, { flag, model: spec, valueBits });
  return { encoding: done.encoding!, inputBasis: done.inputBasis!, retained: done.retained!, records: train.y.length };
}
