/**
 * The participants table, the owner's additions and a participant's own view of the round, from a task
 * snapshot and its events. Pure.
 */
import type { TaskEvent } from "../../client/src/chain/events";
import type { RoundStateName } from "../../client/src/protocol/vocabulary";
import { describeHistory } from "../../client/src/protocol/membership";
import { hasJoined, inRound, sameAddress, type TaskSnapshot } from "./chain";
import { shownIndex } from "./format";
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

/** "2 of 3 chunks (chunks 1, 3)", "all 3 chunks submitted" or "nothing submitted yet". */
export function describeProgress(p: RoundProgress): string {
  if (p.completed) return `all ${p.of} chunk${p.of === 1 ? "" : "s"} submitted`;
  if (p.chunks.length === 0) return "nothing submitted yet";
  return `${p.chunks.length} of ${p.of} chunks (chunk${p.chunks.length === 1 ? "" : "s"} ${p.chunks.map((c) => shownIndex(c)).join(", ")})`;
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

/** The connected account's view of the current round on the participant page. */
export interface OwnRound {
  /** "Round 1 of 2 is closed. Your update is submitted …": the round, the account's part, what comes next. */
  text: string;
  /** The connected account is listed for the round (the contract's membership rule). */
  listed: boolean;
  /** Every chunk of the account's update is on chain: nothing is left to send in this round. */
  submitted: boolean;
}

/** What comes after a round the account completed, by the round's state. */
function nextAfterSubmitted(state: RoundStateName, round: number, rounds: number, minCohort: number): string {
  const rebuild = "this page then rebuilds the global model and scores it on your test split";
  if (state === "Open") {
    return (
      "Next: the round closes (at its deadline, or earlier once every participant has submitted or the owner " +
      `closes it), the sum of the updates is revealed, and ${rebuild}.`
    );
  }
  if (state === "Closed") return `It is counted in the round's sum. Next: that sum is revealed, and ${rebuild}.`;
  if (state === "Revealed") {
    const after =
      round < rounds ? `round ${round + 1} opens when the owner opens it` : "this was the task's last round";
    return `It is part of the revealed sum. Next: the global model below is rebuilt with it and scored on your test split; ${after}.`;
  }
  return (
    `But the round failed: a chunk had fewer than ${minCohort} contributors at the deadline, so its sum is never ` +
    "revealed and your update is not used. The next round starts again from the same model."
  );
}

/** The account's part in a round it is listed for: its update is in (and what happens next), partly in, or missing. */
function ownPart(
  state: RoundStateName,
  progress: RoundProgress,
  task: Pick<TaskSnapshot, "rounds" | "minCohort">,
  round: number,
) {
  const chunks = `${progress.of} chunk${progress.of === 1 ? "" : "s"}`;
  if (progress.completed) {
    const done = progress.of === 1 ? "its chunk is" : `all ${chunks} are`;
    return `Your update is submitted: ${done} on chain. ${nextAfterSubmitted(state, round, task.rounds, task.minCohort)}`;
  }
  const sent = progress.chunks.length;
  if (state === "Open") {
    return sent === 0
      ? "Your account is listed for it."
      : `Your account is listed for it; ${sent} of ${chunks} of your update are on chain.`;
  }
  return sent === 0
    ? "Your account submitted nothing in this round."
    : `Your account submitted ${sent} of ${chunks} in this round.`;
}

/**
 * What the participant page says about the current round: its state, and for the connected account
 * whether its update is in and what happens next (from the chain's events, as the owner's table).
 */
export function ownRound(
  task: Pick<TaskSnapshot, "currentRound" | "rounds" | "minCohort" | "roundInfos" | "participants" | "layout">,
  events: readonly TaskEvent[],
  account: string | undefined,
  /** Chunks of this round the page saw confirmed itself (their events arrive with a later scan). */
  confirmed: readonly number[] = [],
): OwnRound {
  const round = task.currentRound;
  const info = task.roundInfos[round - 1];
  const none = { listed: false, submitted: false };
  if (!info) return { text: "No round has opened yet.", ...none };
  const head = `Round ${round} of ${task.rounds} ${info.state === "Failed" ? "failed" : `is ${info.state.toLowerCase()}`}.`;
  if (!account) return { text: `${head} Connect the wallet of a listed participant.`, ...none };
  const member = task.participants.find((p) => sameAddress(p.account, account));
  if (!member || !inRound(member, round)) {
    return { text: `${head} Your account is not listed for this round.`, ...none };
  }
  const onChain = roundProgress(events, round, account, task.layout.chunkCount);
  const chunks = [...new Set([...onChain.chunks, ...confirmed])].sort((a, b) => a - b);
  const progress = { ...onChain, chunks, completed: onChain.completed || chunks.length === onChain.of };
  return { text: `${head} ${ownPart(info.state, progress, task, round)}`, listed: true, submitted: progress.completed };
}
