import { Interface, type ErrorDescription } from "ethers";
import { FLuFHEAggregator__factory } from "../../../types";

/**
 * What to do next at the terminal, per custom error of the aggregator's ABI (naming the fl: tasks).
 * What an error MEANS is documented once, in its NatSpec (contracts/interfaces/IFLuFHEAggregator.sol;
 * the fhEVM library's errors: test/shared/natspec.ts). test/unit/chain/errors.test.ts checks that every
 * ABI error has that documentation and a hint here, and that a hint quotes no limit the NatSpec does not.
 */
export const HINTS: Record<string, string> = {
  UnknownTask: "check the task id (fl:status lists the task count) and the aggregator address of this network",
  NotTaskOwner: "send this from the account that created the task",
  NotEligible:
    "this account is not a participant of that round: ask the owner to add it (fl:participants add); it applies from the next round",
  AlreadyParticipant: "the account is already listed for the next round",
  NotParticipant: "the account is not listed for the next round",
  CohortTooLarge: "the task's maxCohort is reached: remove a participant or create a task with more lane headroom",
  CohortTooSmall: "add participants (fl:participants add) until the minimum cohort is reached, then open the round",
  NoRoundsLeft: "every round of this task has been run: create a new task",
  PreviousRoundPending: "close (fl:close-round) and reveal (fl:reveal) the current round first",
  InitialModelMismatch: "round 1 must start from the model committed at task creation",
  NotCurrentRound: "use the task's current round (fl:status)",
  RoundNotOpen: "the round is not open: wait for the owner to open it (fl:open-round)",
  SubmissionDeadlinePassed: "the round's deadline passed: close it (fl:close-round) and wait for the next round",
  RoundNotClosable: "wait until every chunk has minCohort contributors (owner) or until the deadline",
  RoundNotClosed: "close the round first (fl:close-round); a failed round is never revealed",
  RoundNotRevealed: "reveal the round first (fl:reveal)",
  ChunkAlreadySubmitted: "this chunk is already counted: resume with the remaining chunks only",
  WrongWordCount: "the update was encoded with another layout: re-read the task's codec settings",
  WrongProofCount: "encrypt 16 words per input proof",
  EmptyInputProof: "every batch of words needs its input proof",
  WrongPolicy: "this call belongs to the other decryption policy of the task",
  WordRangeOutOfBounds: "ask for words within the task's word count",
  BatchAlreadyPublished: "this batch was already verified on-chain",
  HeadroomTooSmall: "raise laneBits or lower maxCohort (maxCohort * (2^valueBits - 1) must be < 2^laneBits)",
  ChunkTooLarge:
    "use at most the contract's MAX_WORDS_PER_CHUNK words per chunk (or leave wordsPerChunk to the planner): a larger chunk exceeds the 20M HCU per-transaction cap",
  RoundDurationTooLong: "give the round duration in seconds, at most the contract's MAX_ROUND_DURATION (365 days)",
  BatchOutOfRange: "a round's aggregate has ceil(wordCount / 16) decryption batches: post one of those",
  ChunkOutOfRange: "the task has fewer chunks: re-read its codec settings (fl:status)",
  InvalidChunking: "give a positive parameter count and a chunk of at least one word with room for parameters",
  InvalidClip: "give a clip bound of at least 0.000001 (the chain stores millionths)",
  InvalidCohort: "the minimum cohort must be at least 2 and at most the maximum cohort",
  InvalidLaneBits: "lane bits must exceed value bits and be at most 128",
  InvalidPrivacy:
    "give every differential-privacy term (noise, clip, sampling rate, steps, delta, epsilon) or none: plan the task with --dp-epsilon or --dp-noise",
  InvalidSchedule: "rounds and round duration must be positive",
  InvalidValueBits: "value bits must be between 2 and 32",
  InvalidWeightFloor: "the weight floor must be between 1 and 2^valueBits - 1",
  WrongClearLength: "post exactly 32 bytes per handle of the batch, as the KMS returned them",
  ZeroAddress: "the zero address cannot take part",
  MembershipHistoryFull: "this account was added back too often (16 join/leave intervals per task): create a new task",
  // fhEVM library (@fhevm/solidity): declared there, documented in test/shared/natspec.ts
  InvalidKMSSignatures: "the decryption proof does not match these handles and values: public-decrypt the batch again",
  SenderNotAllowedToUseHandle:
    "an encrypted input came without its proof and this account may not use it (ACL): encrypt the update again with its input proofs",
  ZamaProtocolUnsupported: "this chain has no Zama fhEVM deployment: use the local devnet, Sepolia or mainnet",
};

const aggregatorInterface = new Interface(FLuFHEAggregator__factory.abi);

/**
 * The error and every object it wraps, outermost first: viem's `cause`, ethers' `error` and
 * `info.error`, and provider error objects under `data`. Each object once (wrappers may repeat or
 * loop), at most `limit` of them. Callers look for what they need (revert data, a rejection code).
 */
export function errorCauses(error: unknown, limit = 16): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const queue: unknown[] = [error];
  const seen = new Set<unknown>();
  while (queue.length > 0 && out.length < limit) {
    const e = queue.shift();
    if (typeof e !== "object" || e === null || seen.has(e)) continue;
    seen.add(e);
    const o = e as Record<string, unknown>;
    out.push(o);
    queue.push(o.cause, o.error, (o.info as { error?: unknown } | undefined)?.error, o.data);
  }
  return out;
}

/** The first revert data (0x + 4-byte selector at least) anywhere in the error. */
function revertData(error: unknown): string | undefined {
  for (const e of errorCauses(error)) {
    if (typeof e.data === "string" && e.data.startsWith("0x") && e.data.length >= 10) return e.data;
  }
  return undefined;
}

/** A decoded aggregator revert: the custom error, its arguments and what to do. */
export interface DecodedRevert {
  /** The raw revert data (selector and arguments). */
  data: string;
  name: string;
  args: Record<string, string>;
  hint?: string;
  message: string;
}

/** Decodes the aggregator's custom error from a failed call or transaction, if there is one. */
export function decodeRevert(error: unknown, iface: Interface = aggregatorInterface): DecodedRevert | undefined {
  const data = revertData(error);
  if (!data) return undefined;
  let parsed: ErrorDescription | null = null;
  try {
    parsed = iface.parseError(data);
  } catch {
    return undefined;
  }
  if (!parsed) return undefined;
  const args: Record<string, string> = {};
  parsed.fragment.inputs.forEach((input, i) => (args[input.name || `arg${i}`] = String(parsed!.args[i])));
  const hint = HINTS[parsed.name];
  const argText = Object.entries(args)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
  return { data, name: parsed.name, args, hint, message: `${parsed.name}(${argText})${hint ? `: ${hint}` : ""}` };
}

/** A readable one-line explanation of any error, with the decoded revert when there is one. */
export function explainError(error: unknown): string {
  // A ChainCallError (./transact) already names the call, its task, round and chunk, and the reason.
  if ((error as Error)?.name === "ChainCallError") return (error as Error).message;
  const decoded = decodeRevert(error);
  if (decoded) return `reverted with ${decoded.message}`;
  const e = error as { shortMessage?: string; message?: string; error?: { message?: string; data?: unknown } };
  const text = e?.shortMessage ?? e?.message ?? String(error);
  // ethers wraps node errors it cannot classify ("could not coalesce error"): show the node's own words.
  const inner = e?.error?.message;
  return inner && !text.includes(inner) ? `${text}: ${inner}` : text;
}
