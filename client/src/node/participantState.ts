/**
 * What a participant keeps between runs (node state file, browser record), and the one rule for
 * reusing it: only for the same account and the very same task (chain, aggregator, id, model
 * commitment and creation block; see chain/taskIdentity). Pure: the node's file store and the
 * browser's IndexedDB store both apply it.
 */
import { describeTask, identityMismatch, type TaskIdentity } from "../chain/taskIdentity";

/**
 * The exact encoded update of each round (so a restart submits the remaining chunks of the same
 * update, never a different one), bound to the task and account it was made for.
 */
export interface ParticipantState {
  task: TaskIdentity;
  account: string;
  /** Encoded update per round, as hex words per chunk. */
  updates: Record<string, string[][]>;
  /** Compressed encodings: the error-feedback residual after the latest round encoded (see node/encoding). */
  feedback?: { round: number; residual: string };
}

export type StateOwner = Pick<ParticipantState, "task" | "account">;

/** A fresh state for this task and account. */
export function freshState(owner: StateOwner): ParticipantState {
  return { task: owner.task, account: owner.account, updates: {} };
}

/**
 * Whether `saved` may be reused by `owner`: "ok", "other-account" (the caller picked another
 * account's state: its mistake) or "other-task" (the state outlived its task, typically a restarted
 * devnet: set it aside and start afresh), with a message that says which and why.
 */
export function checkSavedState(
  saved: Partial<ParticipantState>,
  owner: StateOwner,
): { verdict: "ok" } | { verdict: "other-account" | "other-task"; message: string } {
  if (String(saved.account ?? "").toLowerCase() !== owner.account.toLowerCase()) {
    return {
      verdict: "other-account",
      message: `it belongs to account ${saved.account ?? "(none)"}, not ${owner.account}`,
    };
  }
  const differs = identityMismatch(saved.task, owner.task);
  if (differs.length === 0) return { verdict: "ok" };
  return {
    verdict: "other-task",
    message:
      `it was made for ${describeTask(saved.task)}, but this is ${describeTask(owner.task)} ` +
      `(they differ in ${differs.join(", ")}: the chain was restarted or replaced, or the file was copied from elsewhere)`,
  };
}
