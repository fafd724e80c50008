import { RoundState } from "../protocol/vocabulary";
import { TaskSession, type ParticipantOptions } from "./taskSession";

/**
 * The participant's round loop: waits for each round, checks the global model it rebuilt against
 * the round's on-chain commitment, trains, encodes, encrypts and submits, then decrypts the
 * revealed aggregate, applies it and evaluates.
 */
export async function runParticipant(o: ParticipantOptions): Promise<{ accuracy: number; weights: Float32Array }> {
  const session = await TaskSession.open(o);
  o.emit({
    event: "ready",
    taskId: String(o.taskId),
    account: session.account,
    params: session.layout.paramCount,
    chunks: session.layout.chunkCount,
    samples: o.train.y.length,
  });
  let accuracy = NaN;
  for (let round = 1; round <= session.rounds; round++) {
    let info = await session.waitFor(round, [
      RoundState.Open,
      RoundState.Closed,
      RoundState.Failed,
      RoundState.Revealed,
    ]);
    o.emit({ event: "round-open", round });
    session.checkRoundModel(round, info.globalModelHash);
    if (Number(info.state) === RoundState.Open) await session.submitRound(round);
    info = await session.waitFor(round, [RoundState.Revealed, RoundState.Failed]);
    if (Number(info.state) === RoundState.Failed) {
      o.emit({ event: "round-failed", round });
      continue;
    }
    const result = await session.applyRound(round);
    accuracy = result.accuracy;
    o.emit({ event: "round-done", round, ...result });
  }
  o.emit({ event: "finished", accuracy });
  session.dispose();
  return { accuracy, weights: session.global };
}
