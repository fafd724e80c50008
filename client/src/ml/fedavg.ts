// Plaintext FedAvg: the reference the encrypted on-chain aggregation is compared against.
// Sums run in float64 so the reference is not itself a source of rounding error.

export interface ClientUpdate {
  /** Local weights minus the global weights the client started from. */
  delta: Float32Array;
  numSamples: number;
}

export interface FedAvgOptions {
  /** Weight each delta by its sample count (McMahan et al.) instead of equally (default true). */
  weighted?: boolean;
}

export function computeDelta(local: Float32Array, global: Float32Array): Float32Array {
  if (local.length !== global.length) throw new Error(`length mismatch: ${local.length} vs ${global.length}`);
  return local.map((w, i) => w - global[i]);
}

/** global + sum_k c_k * delta_k / sum_k c_k, with c_k = numSamples (weighted) or 1. */
export function fedAvg(global: Float32Array, updates: ClientUpdate[], opts: FedAvgOptions = {}): Float32Array {
  if (updates.length === 0) throw new Error("fedAvg needs at least one client update");
  const weighted = opts.weighted ?? true;
  const sum = new Float64Array(global.length);
  let total = 0;
  updates.forEach(({ delta, numSamples }, k) => {
    if (delta.length !== global.length) {
      throw new Error(`update ${k} has ${delta.length} values, the model has ${global.length}`);
    }
    const c = weighted ? numSamples : 1;
    if (!(c > 0)) throw new Error(`update ${k} has sample count ${numSamples}; it must be > 0`);
    for (let i = 0; i < sum.length; i++) sum[i] += c * delta[i];
    total += c;
  });
  return global.map((w, i) => w + sum[i] / total);
}
