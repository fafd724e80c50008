/**
 * A participant's private data in the page: the picked file(s) parsed with the nodes' parsers and
 * split exactly as `flufhe node --data <file> --seed <seed>` splits them (client/src/ml splitLoaded:
 * seeded 80/20 split, CSV features z-scored with the training part's statistics), then checked
 * against the task's model with the node's own message. The bytes never leave the browser. No React.
 */
import { checkFitsModel, type DatasetSplit } from "../../../client/src/ml/dataset";
import { splitLoaded } from "../../../client/src/ml/split";
import type { ModelSpec } from "../../../client/src/protocol/modelSpec";
import { parsePicked, type PickedFile } from "../model/dataFiles";

export interface LocalDataOptions {
  /** CSV: header of the label column (the node's --label-column). */
  labelColumn: string;
  /** The node's --seed: seeds the train/test split and, per round, the local training. */
  seed: number;
  /** The node's --limit: only the first `limit` samples of the file. */
  limit?: number;
}

export interface LocalData extends DatasetSplit {
  source: string;
}

export function localSplit(files: readonly PickedFile[], spec: ModelSpec, o: LocalDataOptions): LocalData {
  const { data, name, tabular } = parsePicked(files, o.labelColumn, spec.classNames);
  const split = splitLoaded(data, { seed: o.seed, limit: o.limit }, tabular);
  checkFitsModel("training", split.train, spec);
  checkFitsModel("test", split.test, spec);
  return { ...split, source: name };
}
