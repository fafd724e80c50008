/**
 * Sending one aggregator transaction so that a failure always says why: the contract's custom error
 * with what to do, or, when the node gives no reason (a transaction sent with an explicit gas limit
 * is mined and fails without revert data), the same call replayed as eth_call to recover it; and in
 * every case which call it was, for which task, round and chunk, from which account.
 */
import type { ContractTransactionReceipt } from "ethers";
import type { FLuFHEAggregator } from "../../../types";
import { decodeRevert, type DecodedRevert } from "./errors";

/** Where a call was made: printed with every failure. */
export interface CallSite {
  /** The aggregator function. */
  fn: string;
  taskId?: bigint | number;
  round?: number;
  chunk?: number;
  batch?: number;
}

/** What to check when a call reverts without a reason the tools can decode. */
const CHECKS: Record<string, string> = {
  createTask: "check the task's settings (fl:create-task explains each) and that no participant is listed twice",
  addParticipants: "check that you own the task and that no account is listed already or beyond the maximum cohort",
  removeParticipants: "check that you own the task and that each account is listed for the next round",
  openRound:
    "check with fl:status that the previous round is revealed or failed, enough participants are listed, and you own the task",
  submitChunk:
    "check with fl:status that the round is open and this account is listed, that this chunk is not counted already, " +
    "and that the update was encrypted for this contract and account",
  closeRound:
    "check with fl:status that the round is open and every chunk has the minimum cohort (or the deadline passed)",
  revealRound: "check with fl:status that the round is closed and this account is its owner or a participant",
  allowAggregate:
    "check with fl:status that the round is revealed, the task's policy, and that this account may decrypt it",
  publishClearAggregate: "check that the task's policy is public, the round is revealed and the batch's proof is fresh",
};

const GENERIC_CHECK =
  "check the task with fl:status and that this account may make this call; a transaction that runs out of gas " +
  "also fails without a reason (one transaction may use at most 16,777,216 gas here)";

function describeSite(site: CallSite, account?: string): string {
  const parts = [
    site.taskId !== undefined ? `task ${site.taskId}` : "",
    site.round !== undefined ? `round ${site.round}` : "",
    site.chunk !== undefined ? `chunk ${site.chunk}` : "",
    site.batch !== undefined ? `batch ${site.batch}` : "",
    account ? `account ${account}` : "",
  ].filter(Boolean);
  return `${site.fn}${parts.length ? ` (${parts.join(", ")})` : ""}`;
}

/**
 * A failed aggregator call. `data` carries the revert data when known, so callers that decode with
 * their own hints (the web app) still find the custom error.
 */
export class ChainCallError extends Error {
  readonly data?: string;

  constructor(
    readonly site: CallSite,
    readonly account: string | undefined,
    readonly revert: DecodedRevert | undefined,
    cause: unknown,
  ) {
    const where = describeSite(site, account);
    super(
      revert
        ? `${where} reverted with ${revert.message}`
        : `${where} reverted without a reason: ${CHECKS[site.fn] ?? GENERIC_CHECK}`,
      { cause },
    );
    this.name = "ChainCallError";
    this.data = revert?.data;
  }
}

/**
 * The error for a call that was mined as failed outside `transact` (a wallet's batch of calls): the same
 * call replayed as eth_call from `from` recovers the custom error when there is one.
 */
export async function revertedCall(
  provider: { call(tx: { to: string; from: string; data: string }): Promise<string> },
  tx: { to: string; from: string; data: string },
  site: CallSite,
): Promise<ChainCallError> {
  const revert = await provider.call(tx).then(
    () => undefined,
    (replayed: unknown) => decodeRevert(replayed),
  );
  return new ChainCallError(site, tx.from, revert, undefined);
}

/** Whether the error is a revert (as opposed to a connection failure, a rejection in the wallet...). */
function isRevert(error: unknown): boolean {
  const e = error as { code?: string; message?: string; shortMessage?: string };
  return e?.code === "CALL_EXCEPTION" || /revert/i.test(`${e?.shortMessage ?? ""} ${e?.message ?? ""}`);
}

async function signerOf(aggregator: FLuFHEAggregator): Promise<string | undefined> {
  const runner = aggregator.runner as { getAddress?: () => Promise<string> } | null;
  return runner?.getAddress?.().catch(() => undefined);
}

/**
 * Sends `aggregator.<fn>(...args)` with `overrides` and waits for its receipt. A revert becomes a
 * ChainCallError; other failures (connection, wallet rejection) pass through unchanged.
 */
export async function transact(
  aggregator: FLuFHEAggregator,
  site: CallSite,
  args: unknown[],
  overrides: { gasLimit?: bigint | number } = {},
  /** The wallet signed and the node accepted the transaction; it awaits confirmation. */
  onSent?: (hash: string) => void,
): Promise<ContractTransactionReceipt> {
  const method = aggregator.getFunction(site.fn);
  try {
    const tx = await method.send(...args, overrides);
    onSent?.(tx.hash);
    const receipt = (await tx.wait()) as ContractTransactionReceipt | null;
    if (!receipt)
      throw new Error(`${describeSite(site)}: the transaction was dropped before it was mined; send it again`);
    return receipt;
  } catch (error) {
    if (!isRevert(error)) throw error;
    let revert = decodeRevert(error);
    if (!revert) {
      // Mined and failed without data: the same call as eth_call usually reverts with the reason.
      revert = await method.staticCall(...args, overrides).then(
        () => undefined,
        (replayed: unknown) => decodeRevert(replayed),
      );
    }
    throw new ChainCallError(site, await signerOf(aggregator), revert, error);
  }
}
