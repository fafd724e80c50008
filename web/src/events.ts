import type { TaskEvent } from "../../client/src/chain/events";
import { RoundState, isRoundState } from "../../client/src/protocol/vocabulary";
import { shownIndex, shownWords } from "./format";

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
      return `Round ${e.round}: ${short(a.participant)} submitted chunk ${shownIndex(a.chunk)} (${a.contributors} contributor(s))`;
    case "ParticipantCompleted":
      return `Round ${e.round}: ${short(a.participant)} submitted every chunk`;
    case "RoundClosed":
      return `Round ${e.round} closed: ${isRoundState(Number(a.outcome), RoundState.Closed) ? "quorum reached" : "failed (no quorum)"}`;
    case "RoundRevealed":
      return `Round ${e.round} revealed`;
    case "AggregateAccessGranted":
      return `Round ${e.round}: ${short(a.account)} granted ${shownWords(a.fromWord, a.count)}`;
    case "AggregateMadePublic":
      return `Round ${e.round}: ${shownWords(a.fromWord, a.count)} made public`;
    case "ClearAggregateBatchPublished":
      return `Round ${e.round}: clear batch ${shownIndex(a.batch)} verified on-chain`;
    case "ClearAggregatePublished":
      return `Round ${e.round}: clear aggregate published`;
    default:
      return e.name;
  }
}
