/**
 * A participant's membership as the contract records it: every interval of rounds it was listed for,
 * oldest first, never rewritten once a round of it opened. Mirrors `_inRound` in FLuFHEAggregator.sol.
 */

/** Rounds [joinRound, leaveRound); leaveRound 0 means open-ended. */
export interface Interval {
  joinRound: number;
  leaveRound: number;
}

export interface Member {
  account: string;
  /** Empty when every interval was withdrawn before its first round opened. */
  history: Interval[];
}

/** Whether a membership history covers `round`. */
export function inRound(history: readonly Interval[], round: number): boolean {
  return history.some((m) => m.joinRound <= round && (m.leaveRound === 0 || round < m.leaveRound));
}

/** The first round at or after `from` the history covers, or undefined. */
export function firstRoundFrom(history: readonly Interval[], from: number): number | undefined {
  const m = history.find((i) => i.leaveRound === 0 || i.leaveRound > from);
  return m && Math.max(m.joinRound, from);
}

/** "rounds 1–2, 4 on", or "never took part". */
export function describeHistory(history: readonly Interval[]): string {
  if (history.length === 0) return "never took part";
  const parts = history.map((m) =>
    m.leaveRound === 0
      ? `${m.joinRound} on`
      : m.leaveRound - 1 === m.joinRound
        ? `${m.joinRound}`
        : `${m.joinRound}–${m.leaveRound - 1}`,
  );
  return `rounds ${parts.join(", ")}`;
}

/** The members from `getParticipants`' two arrays. */
export function membersFromChain(
  accounts: readonly string[],
  histories: readonly (readonly { joinRound: bigint | number; leaveRound: bigint | number }[])[],
): Member[] {
  return accounts.map((account, i) => ({
    account,
    history: histories[i].map((m) => ({ joinRound: Number(m.joinRound), leaveRound: Number(m.leaveRound) })),
  }));
}
