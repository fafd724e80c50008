/**
 * The node's side of the privacy ledger: which ledger entry a participant's training data is, and the
 * budget its holder sets with `flufhe node --privacy-budget`. The ledger itself (privacy/ledger.ts)
 * refuses rounds over budget; this only opens it for one data set.
 */
import { readFileSync } from "node:fs";
import { sha256, toUtf8Bytes } from "ethers";
import { isDatasetName } from "../ml/registry";
import { formatEpsilon, PrivacyLedger, type DatasetRef } from "../privacy/ledger";
import type { DataSpec } from "./data";
import { PrivacyLedgerDirectory } from "./privacyLedgerFile";

export interface DataPrivacyOptions {
  /** The ledger directory (default ~/.flufhe/privacy). */
  dir?: string;
  /** Sets (or replaces) this data's budget: epsilon at `delta`. */
  budget?: { epsilon: number; delta: number };
}

/**
 * The ledger entry of a participant's data: a data file is its bytes' sha256 (whatever the split,
 * seed, limit or label column, the same records are the same entry); a named dataset is its name. A
 * simulated participant (--client i) is its partition of that, so simulated silos do not share one.
 */
export function dataRef(spec: DataSpec): DatasetRef {
  const file = !isDatasetName(spec.data);
  const source = file ? sha256(readFileSync(spec.data)) : `named:${spec.data}`;
  if (spec.clientIndex === undefined) {
    return { fingerprint: file ? source : sha256(toUtf8Bytes(source)), label: spec.data };
  }
  const dirichlet = spec.partition === "dirichlet" ? ` alpha ${spec.alpha ?? 0.5}` : "";
  const part =
    `participant ${spec.clientIndex} of ${spec.clients ?? 1}, ` +
    `${spec.partition ?? "iid"}${dirichlet}, seed ${spec.seed}`;
  return { fingerprint: sha256(toUtf8Bytes(`${source}|${part}`)), label: `${spec.data} (${part})` };
}

/** Opens the ledger for a participant's data, setting its budget first when one is given. */
export async function openDataPrivacy(
  dataset: DatasetRef,
  o: DataPrivacyOptions,
  log: (message: string) => void,
): Promise<{ ledger: PrivacyLedger; dataset: DatasetRef }> {
  const store = new PrivacyLedgerDirectory(o.dir, { warn: log });
  const ledger = new PrivacyLedger(store);
  if (o.budget) {
    const previous = await ledger.setBudget(dataset, o.budget);
    const was = previous ? ` (was ε = ${formatEpsilon(previous.epsilon)} at δ = ${previous.delta})` : "";
    log(
      `privacy budget of ${dataset.label}: ε = ${formatEpsilon(o.budget.epsilon)} at δ = ${o.budget.delta}${was}, ` +
        `kept in ${store.dir}`,
    );
  }
  return { ledger, dataset };
}
