/** Planning a task's codec and what it costs per participant and round. Pure: no I/O. */
import { CodecError } from "../codec/errors";
import { WORDS_PER_PROOF, layoutOf, minLaneBits, type CodecParams, type Layout } from "../codec/layout";
import { DEFAULT_COSTS, chunkGas, chunkHcu, maxWordsPerTx, type ChainCosts } from "./prices";

/** What choosing codec settings needs to know; lane width and chunk size are derived (defaults: taskChoices.ts). */
export interface CodecChoice {
  paramCount: number;
  maxCohort: number;
  valueBits: number;
  clip: number;
  sampleCap?: number;
  weightFloor?: number;
}

/** Picks the narrowest lane the cohort allows (more lanes per word) and the largest safe chunk. */
export function chooseCodec(choice: CodecChoice, costs: ChainCosts = DEFAULT_COSTS): CodecParams {
  const { valueBits } = choice;
  const laneBits = minLaneBits(valueBits, choice.maxCohort);
  if (laneBits > 128) throw new CodecError(`a cohort of ${choice.maxCohort} needs ${laneBits}-bit lanes (> 128)`);
  const params: CodecParams = {
    valueBits,
    laneBits,
    wordsPerChunk: maxWordsPerTx(costs),
    paramCount: choice.paramCount,
    clip: choice.clip,
    sampleCap: choice.sampleCap ?? 0,
    weightFloor: choice.weightFloor ?? 1,
  };
  layoutOf(params, choice.maxCohort);
  return params;
}

/**
 * Seconds a participant's machine spends encrypting and proving one 2048-bit input (16 words) on a
 * real network: the relayer SDK's TFHE WASM (node-tfhe, single thread), median of 5 on the 2-core
 * dev machine (`scripts/bench-encrypt.ts`: 29-32 s under load, 20 s on a quieter run). The mock
 * devnet skips this work, so its encrypt phase is far shorter.
 */
export const CLIENT_SECONDS_PER_PROOF = 30;

/** Estimated cost of one participant's submission in one round. */
export interface SubmissionPlan {
  layout: Layout;
  txPerParticipant: number;
  proofsPerParticipant: number;
  /** Client-side encryption with zero-knowledge proofs on a real network (CLIENT_SECONDS_PER_PROOF each). */
  clientProofSeconds: number;
  gasPerParticipant: number;
  hcuPerParticipant: number;
  /** Per model parameter (the chain's paramCount unless the update is compressed). */
  gasPerParam: number;
  hcuPerParam: number;
  maxChunkHcu: number;
  maxChunkGas: number;
}

/**
 * Estimates transactions, gas and HCU per participant per round (worst case: every word adds); per
 * parameter figures divide by `modelParams` (the model's parameters when an encoding compresses them).
 */
export function planSubmission(
  params: CodecParams,
  maxCohort: number,
  costs: ChainCosts = DEFAULT_COSTS,
  modelParams: number = params.paramCount,
): SubmissionPlan {
  const layout = layoutOf(params, maxCohort);
  const fullWords = Math.min(layout.wordsPerChunk, layout.wordCount);
  const maxChunkHcu = chunkHcu(fullWords, costs);
  const maxChunkGas = chunkGas(fullWords, costs);
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
    gas += chunkGas(words, costs);
    proofs += Math.ceil(words / WORDS_PER_PROOF);
  }
  const hcu = chunkHcu(layout.wordCount, costs);
  return {
    layout,
    txPerParticipant: layout.chunkCount,
    proofsPerParticipant: proofs,
    clientProofSeconds: proofs * CLIENT_SECONDS_PER_PROOF,
    gasPerParticipant: gas,
    hcuPerParticipant: hcu,
    gasPerParam: gas / modelParams,
    hcuPerParam: hcu / modelParams,
    maxChunkHcu,
    maxChunkGas,
  };
}
