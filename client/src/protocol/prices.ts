/**
 * What a chain charges for `submitChunk`, and the one formula every estimate and gas limit uses.
 * HCU prices are the fhEVM's (HCULimit contract: euint128 add 259k, scalar AND 37k); gas figures were
 * measured with `npm run bench:chain` on the mock (warm accumulator, one input proof per 16 words).
 */
import { MAX_WORDS_PER_CHUNK, WORDS_PER_PROOF } from "../codec/layout";

export interface ChainCosts {
  hcuPerTx: number;
  gasPerTx: number;
  hcuAdd: number;
  hcuMask: number;
  gasPerWord: number;
  gasPerProof: number;
  gasPerTxBase: number;
}

export const DEFAULT_COSTS: ChainCosts = {
  hcuPerTx: 20_000_000,
  gasPerTx: 16_777_216,
  hcuAdd: 259_000,
  hcuMask: 37_000,
  gasPerWord: 105_000,
  gasPerProof: 25_000,
  gasPerTxBase: 120_000,
};

/** Safety margin kept below both caps: estimates drift with calldata and storage warmth. */
const MARGIN = 0.95;

/** Estimated gas of one `submitChunk` carrying `words` words. */
export function chunkGas(words: number, costs: ChainCosts = DEFAULT_COSTS): number {
  return costs.gasPerTxBase + words * costs.gasPerWord + Math.ceil(words / WORDS_PER_PROOF) * costs.gasPerProof;
}

/** HCU of one `submitChunk` of `words` words when every word is added to an existing accumulator. */
export function chunkHcu(words: number, costs: ChainCosts = DEFAULT_COSTS): number {
  return words * (costs.hcuAdd + costs.hcuMask);
}

/** Gas limit for a chunk: the estimate plus 30 %, never above the per-transaction cap. */
export function chunkGasLimit(words: number, costs: ChainCosts = DEFAULT_COSTS): bigint {
  return BigInt(Math.min(Math.ceil(chunkGas(words, costs) * 1.3), costs.gasPerTx));
}

/** Largest chunk (in words) whose submission stays under the HCU and gas caps. */
export function maxWordsPerTx(costs: ChainCosts = DEFAULT_COSTS): number {
  const byHcu = Math.floor((costs.hcuPerTx * MARGIN) / (costs.hcuAdd + costs.hcuMask));
  const perWordGas = costs.gasPerWord + costs.gasPerProof / WORDS_PER_PROOF;
  const byGas = Math.floor((costs.gasPerTx * MARGIN - costs.gasPerTxBase) / perWordGas);
  return Math.max(1, Math.min(byHcu, byGas, MAX_WORDS_PER_CHUNK));
}
