import { CodecError } from "./errors";
import { MAX_WORDS_PER_CHUNK, WORDS_PER_PROOF, layoutOf, minLaneBits, type CodecParams, type Layout } from "./layout";

/**
 * Per-transaction limits and per-word costs of `submitChunk`. HCU prices are the fhEVM's
 * (HCULimit contract: euint128 add 259k, scalar AND 37k); gas figures were measured with
 * `npm run bench:chain` on the mock (warm accumulator, one proof per 16 words).
 */
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

/** Largest chunk (in words) whose submission stays under the HCU and gas caps. */
export function maxWordsPerTx(costs: ChainCosts = DEFAULT_COSTS): number {
  const byHcu = Math.floor((costs.hcuPerTx * MARGIN) / (costs.hcuAdd + costs.hcuMask));
  const perWordGas = costs.gasPerWord + costs.gasPerProof / WORDS_PER_PROOF;
  const byGas = Math.floor((costs.gasPerTx * MARGIN - costs.gasPerTxBase) / perWordGas);
  return Math.max(1, Math.min(byHcu, byGas, MAX_WORDS_PER_CHUNK));
}

/** What choosing codec settings needs to know; lane width and chunk size are derived. */
export interface CodecChoice {
  paramCount: number;
  maxCohort: number;
  valueBits?: number;
  clip?: number;
  sampleCap?: number;
  weightFloor?: number;
}

/** Picks the narrowest lane the cohort allows (more lanes per word) and the largest safe chunk. */
export function chooseCodec(choice: CodecChoice, costs: ChainCosts = DEFAULT_COSTS): CodecParams {
  const valueBits = choice.valueBits ?? 8;
  const laneBits = minLaneBits(valueBits, choice.maxCohort);
  if (laneBits > 128) throw new CodecError(`a cohort of ${choice.maxCohort} needs ${laneBits}-bit lanes (> 128)`);
  const params: CodecParams = {
    valueBits,
    laneBits,
    wordsPerChunk: maxWordsPerTx(costs),
    paramCount: choice.paramCount,
    clip: choice.clip ?? 0.05,
    sampleCap: choice.sampleCap ?? 0,
    weightFloor: choice.weightFloor ?? 1,
  };
  layoutOf(params, choice.maxCohort);
  return params;
}

/** Estimated cost of one participant's submission in one round. */
export interface SubmissionPlan {
  layout: Layout;
  txPerParticipant: number;
  proofsPerParticipant: number;
  gasPerParticipant: number;
  hcuPerParticipant: number;
  gasPerParam: number;
  hcuPerParam: number;
  maxChunkHcu: number;
  maxChunkGas: number;
}

/** Estimates transactions, gas and HCU per participant per round (worst case: every word adds). */
export function planSubmission(
  params: CodecParams,
  maxCohort: number,
  costs: ChainCosts = DEFAULT_COSTS,
): SubmissionPlan {
  const layout = layoutOf(params, maxCohort);
  const chunkGas = (words: number) =>
    costs.gasPerTxBase + words * costs.gasPerWord + Math.ceil(words / WORDS_PER_PROOF) * costs.gasPerProof;
  const wordHcu = costs.hcuAdd + costs.hcuMask;
  const fullWords = Math.min(layout.wordsPerChunk, layout.wordCount);
  const maxChunkHcu = fullWords * wordHcu;
  const maxChunkGas = chunkGas(fullWords);
  if (maxChunkHcu > costs.hcuPerTx) {
    throw new CodecError(`a ${fullWords}-word chunk needs ${maxChunkHcu} HCU, over the ${costs.hcuPerTx} cap`);
  }
  if (maxChunkGas > costs.gasPerTx) {
    throw new CodecError(`a ${fullWords}-word chunk needs ~${maxChunkGas} gas, over the ${costs.gasPerTx} cap`);
  }
  let gas = 0;
  let proofs = 0;
  for (let c = 0; c < layout.chunkCount; c++) {
    const words = Math.min(layout.wordsPerChunk, layout.wordCount - c * layout.wordsPerChunk);
    gas += chunkGas(words);
    proofs += Math.ceil(words / WORDS_PER_PROOF);
  }
  const hcu = layout.wordCount * wordHcu;
  return {
    layout,
    txPerParticipant: layout.chunkCount,
    proofsPerParticipant: proofs,
    gasPerParticipant: gas,
    hcuPerParticipant: hcu,
    gasPerParam: gas / layout.paramCount,
    hcuPerParam: hcu / layout.paramCount,
    maxChunkHcu,
    maxChunkGas,
  };
}
