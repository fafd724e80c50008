/** The participants table and the owner's additions, from a task snapshot and its events. Pure. */
import type { TaskEvent } from "../../client/src/chain/events";
import { describeHistory } from "../../client/src/protocol/membership";
import { hasJoined, inRound, sameAddress, type TaskSnapshot } from "./chain";
import { parseAddresses } from "./taskForm";

/** A participant's submissions in one round, from ChunkSubmitted / ParticipantCompleted events. */
export interface RoundProgress {
  /** Chunk indices submitted, ascending. */
  chunks: number[];
  of: number;
  completed: boolean;
}

export function roundProgress(
  events: readonly TaskEvent[],
  round: number,
  account: string,
  chunkCount: number,
): RoundProgress {
  const chunks = new Set<number>();
  let completed = false;
  for (const e of events) {
    if (e.round !== round || !sameAddress(e.args.participant, account)) continue;
    if (e.name === "ChunkSubmitted") chunks.add(Number(e.args.chunk));
    else if (e.name === "ParticipantCompleted") completed = true;
  }
  return {
    chunks: [...chunks].sort((a, b) => a - b),
    of: chunkCount,
    completed: completed || chunks.size === chunkCount,
  };
}

export interface ParticipantRow {
  account: string;
  /** "rounds 1–2, 4 on", or why the account never took part. */
  history: string;
  /** Part of the current round (the contract's membership rule); its progress then. */
  current?: RoundProgress;
  /** Listed for the next round (undefined when the task has no round left). */
  next?: boolean;
  /** The owner may remove it from the next round on. */
  removable: boolean;
}

/** One row per account ever listed, in the contract's order. */
export function participantRows(task: TaskSnapshot, events: readonly TaskEvent[], viewer?: string): ParticipantRow[] {
  const owner = sameAddress(viewer, task.owner);
  const round = task.currentRound;
  const next = round < task.rounds ? round + 1 : undefined;
  return task.participants.map((p) => {
    const listedNext = next === undefined ? undefined : inRound(p, next);
    return {
      account: p.account,
      history: hasJoined(p) ? describeHistory(p.history) : "removed before taking part",
      current:
        round > 0 && inRound(p, round) ? roundProgress(events, round, p.account, task.layout.chunkCount) : undefined,
      next: listedNext,
      removable: owner && listedNext === true,
    };
  });
}

/** "2 of 3 chunks", "all 3 chunks" or "nothing yet". */
export function describeProgress(p: RoundProgress): string {
  if (p.completed) return `all ${p.of} chunk${p.of === 1 ? "" : "s"} submitted`;
  if (p.chunks.length === 0) return "nothing submitted yet";
  return `${p.chunks.length} of ${p.of} chunks (chunk${p.chunks.length === 1 ? "" : "s"} ${p.chunks.join(", ")})`;
}

/**
 * Addresses the owner pasted to add from the next round on, with what the contract would refuse
 * checked first: already listed for that round, more than the maximum cohort, no round left.
 */
export function checkAdditions(task: TaskSnapshot, text: string): { addresses: string[]; errors: string[] } {
  const { addresses, errors } = parseAddresses(text);
  const next = task.currentRound + 1;
  if (task.currentRound >= task.rounds) errors.push("the task has used all its rounds: nobody can join any more");
  for (const a of addresses) {
    const member = task.participants.find((p) => sameAddress(p.account, a));
    if (member && inRound(member, next)) errors.push(`${a} is already listed for round ${next}`);
  }
  const total = task.participantsNextRound + addresses.length;
  if (total > task.maxCohort) {
    errors.push(
      `${total} participants would be listed for round ${next}, more than the maximum cohort of ${task.maxCohort}`,
    );
  }
  return { addresses, errors };
}
