import type { Interface } from "ethers";
import { decodeRevert, explainError } from "../../client/src/chain/errors";

/** A failure as the pages show it: a sentence, and whether the user declined it in the wallet. */
export interface Failure {
  message: string;
  rejected: boolean;
}

/**
 * What the page tells a user per aggregator custom error (client/src/chain/errors.ts decodes them;
 * its hints name the CLI's commands, these name what to do in the app).
 */
const HINTS: Record<string, string> = {
  NotTaskOwner: "only the task owner can do this",
  NotEligible: "this account is not a participant of that round",
  CohortTooSmall: "fewer participants are listed than the minimum cohort",
  CohortTooLarge: "more participants than the maximum cohort",
  HeadroomTooSmall: "the lane is too narrow for the maximum cohort: raise lane bits or lower the cohort",
  InitialModelMismatch: "round 1 must start from the task's model commitment",
  PreviousRoundPending: "the previous round must be revealed or failed first",
  NoRoundsLeft: "the task has used all its rounds",
  RoundNotClosable: "not every chunk has reached the minimum cohort and the deadline has not passed",
  RoundNotClosed: "the round must be closed (with quorum) before it can be revealed",
  RoundNotRevealed: "the round's aggregate is not revealed yet",
  RoundNotOpen: "the round is not open",
  SubmissionDeadlinePassed: "the round's deadline has passed",
  AlreadyParticipant: "an address is listed twice",
  ZeroAddress: "the zero address cannot take part",
  WrongPolicy: "the task's decryption policy does not allow this",
  BatchAlreadyPublished: "this batch is already published",
  InvalidCohort: "the minimum cohort must be at least 2 and at most the maximum cohort",
  InvalidSchedule: "rounds and round duration must be positive",
};

const REJECTED_CODES = new Set<unknown>([4001, "4001", "ACTION_REJECTED"]);

/** The error and everything it wraps (viem causes, ethers' info.error, provider error objects). */
function chain(error: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const e = current as Record<string, unknown>;
    out.push(e);
    current = e.cause ?? e.error ?? (e.info as { error?: unknown } | undefined)?.error;
  }
  return out;
}

/** Turns wallet, RPC and contract errors into one readable sentence (custom errors decoded with `iface`). */
export function describeError(error: unknown, iface?: Interface): Failure {
  if (chain(error).some((e) => REJECTED_CODES.has(e.code) || e.name === "UserRejectedRequestError")) {
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
