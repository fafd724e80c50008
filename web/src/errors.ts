import type { Interface } from "ethers";
import { decodeRevert, errorCauses, explainError } from "../../client/src/chain/errors";
import { WORD_BITS, WORDS_PER_PROOF } from "../../client/src/codec/layout";

/** A failure as the pages show it: a sentence, and whether the user declined it in the wallet. */
export interface Failure {
  message: string;
  rejected: boolean;
}

/**
 * What the page tells a user per custom error of the aggregator's ABI (its own and the fhEVM library's).
 * What an error MEANS is documented once, in its NatSpec (contracts/interfaces/IFLuFHEAggregator.sol;
 * the fhEVM library's errors: test/shared/natspec.ts); test/web/errors.test.tsx checks none is missing
 * and that a hint quotes no limit the NatSpec does not. client/src/chain/errors.ts decodes them; its
 * hints name the CLI's commands, these name what to do in the app.
 */
export const HINTS: Record<string, string> = {
  // configuration (createTask): the form checks these first, so they mean the form and the contract disagree
  InvalidValueBits: "value bits must be between 2 and 32",
  InvalidLaneBits: `lane bits must exceed the value bits and be at most ${WORD_BITS}: leave lane bits blank for the planner`,
  InvalidCohort: "the minimum cohort must be at least 2 and at most the maximum cohort",
  HeadroomTooSmall: "the lane is too narrow for the maximum cohort: raise lane bits or lower the cohort",
  InvalidChunking: "a chunk must hold at least one parameter: leave words per chunk blank for the planner",
  ChunkTooLarge: "too many words per chunk for one transaction's HCU cap: lower it or leave it blank",
  InvalidWeightFloor: "the weight floor must be between 1 and the largest value code",
  InvalidClip: "the clip bound must be positive",
  InvalidSchedule: "rounds and round duration must be positive",
  InvalidPrivacy: "the differential-privacy terms are incomplete: turn the section off or fill it in again",
  RoundDurationTooLong: "the round duration is longer than a year: check the duration unit",
  // access and membership
  UnknownTask: "there is no task with this id on this aggregator: pick one from the task list",
  NotTaskOwner: "only the task owner can do this",
  NotEligible: "this account is not a participant of that round",
  ZeroAddress: "the zero address cannot take part",
  MembershipHistoryFull: "this account was added and removed too often (16 intervals per task): create a new task",
  AlreadyParticipant: "an address is listed twice",
  NotParticipant: "the address is not listed for the next round",
  CohortTooLarge: "more participants than the maximum cohort",
  // round lifecycle
  NoRoundsLeft: "the task has used all its rounds",
  PreviousRoundPending: "the previous round must be revealed or failed first",
  CohortTooSmall: "fewer participants are listed than the minimum cohort",
  InitialModelMismatch: "round 1 must start from the task's model commitment",
  NotCurrentRound: "that round is not the task's current round: reload the page",
  RoundNotOpen: "the round is not open",
  SubmissionDeadlinePassed: "the round's deadline has passed",
  RoundNotClosable: "not every chunk has reached the minimum cohort and the deadline has not passed",
  RoundNotClosed: "the round must be closed (with quorum) before it can be revealed",
  RoundNotRevealed: "the round's aggregate is not revealed yet",
  // submissions (sent by participants' nodes, shown here when a page replays one)
  ChunkOutOfRange: "the task has no chunk with that number",
  ChunkAlreadySubmitted: "this account already submitted that chunk in this round",
  WrongWordCount: "the update was encoded with another layout than the task's",
  WrongProofCount: `every ${WORDS_PER_PROOF} encrypted words need their own input proof`,
  EmptyInputProof: "an encrypted batch came without its input proof",
  // decryption
  WrongPolicy: "the task's decryption policy does not allow this",
  WordRangeOutOfBounds: "the words asked for lie beyond the task's aggregate",
  BatchOutOfRange: "the round's aggregate has no batch with that number",
  BatchAlreadyPublished: "this batch is already published",
  WrongClearLength: "the clear values do not match the batch: decrypt the round again",
  // fhEVM library (@fhevm/solidity): declared there, documented in test/shared/natspec.ts
  InvalidKMSSignatures: "the KMS proof does not match these clear values: decrypt the round again",
  SenderNotAllowedToUseHandle: "this account may not use that encrypted value (ACL): encrypt the update again",
  ZamaProtocolUnsupported: "this chain has no fhEVM configured for the contract",
};

const REJECTED_CODES = new Set<unknown>([4001, "4001", "ACTION_REJECTED"]);

/** Turns wallet, RPC and contract errors into one readable sentence (custom errors decoded with `iface`). */
export function describeError(error: unknown, iface?: Interface): Failure {
  if (errorCauses(error).some((e) => REJECTED_CODES.has(e.code) || e.name === "UserRejectedRequestError")) {
    return { message: "You rejected the request in your wallet. Nothing was sent.", rejected: true };
  }
  const revert = decodeRevert(error, iface);
  if (revert) {
    const call = `${revert.name}(${Object.values(revert.args).join(", ")})`;
    const hint = HINTS[revert.name];
    return { message: hint ? `${hint} [${call}]` : `the contract reverted with ${call}`, rejected: false };
  }
  return { message: explainError(error).split("\n")[0], rejected: false };
}
