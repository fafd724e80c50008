/**
 * Where a task and its rounds stand, in words: the task list's state column, the forecast of a round that
 * cannot reach K before its deadline, and why a failed round failed. Pure.
 */
import type { RoundBrief, RoundSnapshot } from "./chain";
import { formatDuration, shownIndex } from "./format";

/** The chunks of a round below K, and the fewest contributors any chunk has. */
export interface Shortfall {
  fewest: number;
  needed: number;
  /** Chunk indices (the chain's, from 0) with fewer than K contributors. */
  short: number[];
  chunks: number;
}

/** Which chunks of the round are below K; undefined when every chunk has quorum. */
export function quorumShortfall(round: Pick<RoundSnapshot, "contributors">, minCohort: number): Shortfall | undefined {
  const short = round.contributors.flatMap((c, i) => (c < minCohort ? [i] : []));
  if (short.length === 0) return undefined;
  return { fewest: Math.min(...round.contributors), needed: minCohort, short, chunks: round.contributors.length };
}

/** "chunk 3", "chunks 1, 3", "every chunk" (numbered from 1, as the pages count). */
export function shortChunks(s: Shortfall): string {
  if (s.chunks === 1) return "its only chunk";
  if (s.short.length === s.chunks) return "every chunk";
  const shown = s.short.slice(0, 6).map((c) => shownIndex(c));
  const more = s.short.length > 6 ? ` and ${s.short.length - 6} more` : "";
  return `${s.short.length === 1 ? "chunk" : "chunks"} ${shown.join(", ")}${more}`;
}

const fewest = (s: Shortfall) => `${s.fewest} of ${s.needed} contributors`;

/** What a failed round means for the model, the same sentence wherever a failure is explained. */
export function afterFailure(round: number, rounds: number): string {
  return round < rounds
    ? `The next round restarts from the same model as round ${round}.`
    : "It was the task's last round: the global model stays the one this round started from.";
}

/**
 * For an open round that cannot reach K any more (its deadline passed with a chunk below K), the warning
 * to show before anyone closes it; undefined while it can still succeed.
 */
export function failureForecast(
  round: Pick<RoundSnapshot, "state" | "deadline" | "contributors">,
  minCohort: number,
  now: number,
): string | undefined {
  if (round.state !== "Open" || now < round.deadline) return undefined;
  const s = quorumShortfall(round, minCohort);
  if (!s) return undefined;
  return (
    `This round will fail: ${fewest(s)} on ${shortChunks(s)}, and the deadline has passed, so nobody can add ` +
    "more; its partial sums will never be revealed. Closing it records the failure so the next round can open."
  );
}

/** For an open round still short of K before its deadline: how far it is, and when it runs out. */
export function quorumRisk(
  round: Pick<RoundSnapshot, "state" | "deadline" | "contributors">,
  minCohort: number,
  now: number,
): string | undefined {
  if (round.state !== "Open" || now >= round.deadline) return undefined;
  const s = quorumShortfall(round, minCohort);
  if (!s) return undefined;
  return (
    `So far ${fewest(s)} on ${shortChunks(s)}: unless more participants send ${s.short.length === 1 ? "it" : "them"} ` +
    `within ${formatDuration(round.deadline - now)}, the round fails and its partial sums are never revealed.`
  );
}

/** Why a failed round failed, and what that means for the model. */
export function failureReason(round: Pick<RoundSnapshot, "round" | "contributors">, minCohort: number, rounds: number) {
  const s = quorumShortfall(round, minCohort);
  const why = s
    ? `when it closed, ${shortChunks(s)} had ${fewest(s)} needed (K = ${minCohort})`
    : `a chunk had fewer than K = ${minCohort} contributors when it closed`;
  return `This round failed: ${why}, so its partial sums are never revealed. ${afterFailure(round.round, rounds)}`;
}

/** A task's state as the task list shows it. */
export type TaskPhase =
  "not started" | "open" | "will fail" | "waiting for reveal" | "between rounds" | "failed round" | "finished";

export interface TaskStatus {
  phase: TaskPhase;
  /** One line: which round, and what happens next. */
  detail: string;
}

/** The task list's state of a task from its current round (chunk counts say whether an open round can still succeed). */
export function taskStatus(
  t: { rounds: number; currentRound: number; chunkCount: number; round?: RoundBrief },
  now: number,
): TaskStatus {
  const r = t.round;
  const of = `round ${t.currentRound} of ${t.rounds}`;
  if (!r) return { phase: "not started", detail: `round 1 of ${t.rounds} not opened yet` };
  const last = t.currentRound >= t.rounds;
  switch (r.state) {
    case "Open": {
      const quorum = r.chunksAtQuorum === t.chunkCount;
      if (now < r.deadline)
        return { phase: "open", detail: `${of} open, closes in ${formatDuration(r.deadline - now)}` };
      return quorum
        ? { phase: "open", detail: `${of}: deadline passed with quorum, ready to close` }
        : { phase: "will fail", detail: `${of}: deadline passed below K, it fails when closed` };
    }
    case "Closed":
      return { phase: "waiting for reveal", detail: `${of} closed with quorum` };
    case "Revealed":
      return last
        ? { phase: "finished", detail: t.rounds === 1 ? "its one round is done" : `all ${t.rounds} rounds done` }
        : { phase: "between rounds", detail: `${of} revealed; round ${t.currentRound + 1} not opened yet` };
    case "Failed":
      return last
        ? { phase: "finished", detail: `no rounds left; the last one failed` }
        : { phase: "failed round", detail: `${of} failed; round ${t.currentRound + 1} restarts from the same model` };
    default:
      return { phase: "not started", detail: of };
  }
}
