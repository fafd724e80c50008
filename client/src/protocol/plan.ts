/** Planning a task's codec and what it costs per participant and round. Pure: no I/O. */
import { CodecError } from "../codec/errors";
import { WORDS_PER_PROOF, layoutOf, minLaneBits, type CodecParams, type Layout } from "../codec/layout";
import { approxDuration, clientEncryptSeconds, threadsLabel } from "./clientCost";
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

/** Estimated cost of one participant's submission in one round. */
export interface SubmissionPlan {
  layout: Layout;
  txPerParticipant: number;
  /** Input proofs (16 words each): the count Zama's protocol fee is charged on (one per input verification). */
  proofsPerParticipant: number;
  /**
   * Seconds of client-side encryption with zero-knowledge proofs on a real network, one thread
   * (protocol/clientCost.ts CLIENT_SECONDS_PER_PROOF each, measured). The mock devnet does none of it.
   */
  clientProofSeconds: number;
  /** The encryption threads `clientProofSecondsAtThreads` assumes (1 unless the caller gave the machine's). */
  clientThreads: number;
  /** The same work with `clientThreads` workers (clientEncryptSeconds: an estimate). */
  clientProofSecondsAtThreads: number;
  gasPerParticipant: number;
  hcuPerParticipant: number;
  /** Per model parameter (the chain's paramCount unless the update is compressed). */
  gasPerParam: number;
  hcuPerParam: number;
  maxChunkHcu: number;
  maxChunkGas: number;
}

/**
 * Estimates transactions, input proofs, gas, HCU and the participant's real-network encryption time per
 * participant per round (worst case: every word adds); per parameter figures divide by `modelParams`
 * (the model's parameters when an encoding compresses them). `clientThreads`: the encryption threads of
 * the participant's machine (the Node tools: defaultEncryptThreads(os.availableParallelism())).
 */
export function planSubmission(
  params: CodecParams,
  maxCohort: number,
  costs: ChainCosts = DEFAULT_COSTS,
  modelParams: number = params.paramCount,
  clientThreads = 1,
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
    clientProofSeconds: clientEncryptSeconds(proofs, 1),
    clientThreads,
    clientProofSecondsAtThreads: clientEncryptSeconds(proofs, clientThreads),
    gasPerParticipant: gas,
    hcuPerParticipant: hcu,
    gasPerParam: gas / modelParams,
    hcuPerParam: hcu / modelParams,
    maxChunkHcu,
    maxChunkGas,
  };
}

/** The plan with its multi-thread estimate for a machine with `threads` encryption threads. */
export function withClientThreads(plan: SubmissionPlan, threads: number): SubmissionPlan {
  return {
    ...plan,
    clientThreads: threads,
    clientProofSecondsAtThreads: clientEncryptSeconds(plan.proofsPerParticipant, threads),
  };
}

/** The input-proof figures the tools print. */
export type ClientCost = Pick<
  SubmissionPlan,
  "proofsPerParticipant" | "clientProofSeconds" | "clientThreads" | "clientProofSecondsAtThreads"
>;

/**
 * One participant's real-network client work per round, as the CLI tools print it: "8 input proof(s);
 * real-network client encryption ~4 min at 1 thread, ~2 min at 3 threads on this machine (estimate)".
 */
export function describeClientCost(cost: ClientCost): string {
  const oneThread = `${cost.proofsPerParticipant} input proof(s); real-network client encryption ${approxDuration(cost.clientProofSeconds)} at 1 thread`;
  if (cost.clientThreads === 1) return `${oneThread}, this machine's default`;
  return (
    `${oneThread}, ${approxDuration(cost.clientProofSecondsAtThreads)} at ${threadsLabel(cost.clientThreads)} ` +
    "on this machine (estimate)"
  );
}
