import { RoundState } from "../protocol/vocabulary";
import { TaskSession, type ParticipantOptions } from "./taskSession";

/**
 * The participant's round loop: waits for each round, checks the global model it rebuilt against
 * the round's on-chain commitment, trains, encodes, encrypts and submits, then decrypts the
 * revealed aggregate, applies it and evaluates. Rounds it is not listed for are skipped; a node
 * that joins late (or returns) takes the committed model of its first round from the model sources.
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
    const listed = await o.aggregator.isEligible(o.taskId, round, session.account);
    if (listed) {
      // After rounds it could not decrypt (a late joiner), the node fetches the committed model.
      await session.adoptRoundModel(round, info.globalModelHash);
      if (Number(info.state) === RoundState.Open) await session.submitRound(round);
    } else {
      o.emit({ event: "round-skipped", round, reason: "not listed for this round" });
    }
    info = await session.waitFor(round, [RoundState.Revealed, RoundState.Failed]);
    if (Number(info.state) === RoundState.Failed) {
      o.emit({ event: "round-failed", round });
      continue;
    }
    if (!(await session.canDecrypt(round))) {
      session.skipRound();
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
