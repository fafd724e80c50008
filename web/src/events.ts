import type { TaskEvent } from "../../client/src/chain/events";
import { RoundState, isRoundState } from "../../client/src/protocol/vocabulary";

/** A one-line description of an event for the activity feed. */
export function describeEvent(e: TaskEvent, short: (address: string) => string): string {
  const a = e.args;
  switch (e.name) {
    case "TaskCreated":
      return `Task created by ${short(a.owner)}: ${a.paramCount} parameters in ${a.chunkCount} chunk(s)`;
    case "ParticipantAdded":
      return `${short(a.account)} listed from round ${a.fromRound}`;
    case "ParticipantRemoved":
      return `${short(a.account)} removed from round ${a.fromRound}`;
    case "RoundOpened":
      return `Round ${e.round} opened for ${a.eligible} participants`;
    case "ChunkSubmitted":
      return `Round ${e.round}: ${short(a.participant)} submitted chunk ${a.chunk} (${a.contributors} contributor(s))`;
    case "ParticipantCompleted":
      return `Round ${e.round}: ${short(a.participant)} submitted every chunk`;
    case "RoundClosed":
      return `Round ${e.round} closed: ${isRoundState(Number(a.outcome), RoundState.Closed) ? "quorum reached" : "failed (no quorum)"}`;
    case "RoundRevealed":
      return `Round ${e.round} revealed`;
    case "AggregateAccessGranted":
      return `Round ${e.round}: ${short(a.account)} granted words ${a.fromWord}–${Number(a.fromWord) + Number(a.count) - 1}`;
    case "AggregateMadePublic":
      return `Round ${e.round}: words ${a.fromWord}–${Number(a.fromWord) + Number(a.count) - 1} made public`;
    case "ClearAggregateBatchPublished":
      return `Round ${e.round}: clear batch ${a.batch} verified on-chain`;
    case "ClearAggregatePublished":
      return `Round ${e.round}: clear aggregate published`;
    default:
      return e.name;
  }
}
