import { inRound, sameAddress, type TaskSnapshot } from "./chain";

export type ActionKind = "open" | "close" | "reveal";

/** A round action the page offers, and if it cannot be taken now, why (mirrors the contract's checks). */
export interface RoundAction {
  kind: ActionKind;
  round: number;
  enabled: boolean;
  reason?: string;
}

/** What `account` (or a visitor without one) can do on the task at chain time `now`. */
export function roundActions(task: TaskSnapshot, account: string | undefined, now: number): RoundAction[] {
  const isOwner = sameAddress(account, task.owner);
  const actions: RoundAction[] = [];
  const current = task.roundInfos[task.currentRound - 1];
  const next = task.currentRound + 1;

  if (task.currentRound < task.rounds) {
    let reason: string | undefined;
    if (!isOwner) reason = "only the task owner opens rounds";
    else if (current && current.state !== "Revealed" && current.state !== "Failed") {
      reason = `round ${current.round} is ${current.state.toLowerCase()}: reveal it (or let it fail) first`;
    } else if (task.participantsNextRound < task.minCohort) {
      reason = `${task.participantsNextRound} participant(s) listed, the minimum cohort is ${task.minCohort}`;
    }
    actions.push({ kind: "open", round: next, enabled: reason === undefined, reason });
  }

  if (current?.state === "Open") {
    const quorum = current.chunksAtQuorum === task.layout.chunkCount;
    const anyone = now >= current.deadline || current.completed === current.eligible;
    let reason: string | undefined;
    if (!account) reason = "connect a wallet";
    else if (!anyone && !(quorum && isOwner)) {
      reason = quorum
        ? "every chunk has quorum: the owner may close now, anyone else after the deadline"
        : `${current.chunksAtQuorum} of ${task.layout.chunkCount} chunks have reached the minimum cohort; wait for more submissions or the deadline`;
    }
    actions.push({ kind: "close", round: current.round, enabled: reason === undefined, reason });
  }

  if (current?.state === "Closed") {
    const participant = task.participants.some((p) => sameAddress(p.account, account) && inRound(p, current.round));
    const reason =
      isOwner || participant
        ? undefined
        : account
          ? "only the owner or a participant of the round"
          : "connect a wallet";
    actions.push({ kind: "reveal", round: current.round, enabled: reason === undefined, reason });
  }
  return actions;
}
