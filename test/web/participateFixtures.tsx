/**
 * What the participant page's jsdom tests share: a task whose first round is open to one account, and
 * the page's training worker run in this process (its real handler on tfjs' cpu backend).
 */
import * as tf from "@tensorflow/tfjs";
import { layoutOf } from "../../client/src/codec/layout";
import * as models from "../../client/src/ml/models";
import * as train from "../../client/src/ml/train";
import { specToUri, type ModelSpec } from "../../client/src/protocol/modelSpec";
import { Policy } from "../../client/src/protocol/vocabulary";
import type { TaskSnapshot } from "../../web/src/chain";
import { startTraining, type TrainingRun } from "../../web/src/participate/trainer";
import { handleTrainRequest, type TrainMessage, type TrainRequest } from "../../web/src/participate/trainProtocol";

/** Task 3 in round 1 of 2, open, 8 parameters in 8-bit lanes, with `account` listed since round 1. */
export function openRoundTask(account: string, modelHash: string, spec: ModelSpec): TaskSnapshot {
  return {
    id: 3n,
    owner: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    modelHash,
    modelURI: specToUri(spec),
    layout: layoutOf(
      { valueBits: 8, laneBits: 12, wordsPerChunk: 8, paramCount: 8, clip: 0.5, sampleCap: 0, weightFloor: 1 },
      4,
    ),
    minCohort: 2,
    maxCohort: 4,
    rounds: 2,
    roundDuration: 3600,
    policy: Policy.Participants,
    currentRound: 1,
    participantsNextRound: 3,
    participants: [{ account, history: [{ joinRound: 1, leaveRound: 0 }] }],
    roundInfos: [
      {
        round: 1,
        state: "Open",
        openedAt: 0,
        deadline: 0,
        eligible: 3,
        completed: 0,
        chunksAtQuorum: 0,
        publishedBatches: 0,
        globalModelHash: modelHash,
        contributors: [0],
      },
    ],
  };
}

/** The page's `startWorker` with the worker's handler run in this process; every request is pushed to `requests`. */
export function inProcessTrainer(
  requests: TrainRequest[],
): (request: TrainRequest, onMessage: (m: TrainMessage) => void) => TrainingRun {
  return (request, onMessage) => {
    requests.push(request);
    return startTraining(request, onMessage, () => {
      const worker = {
        onmessage: null as ((e: MessageEvent<TrainMessage>) => void) | null,
        onerror: null,
        postMessage: (req: TrainRequest) =>
          setTimeout(
            () =>
              void handleTrainRequest(req, (m) => worker.onmessage?.({ data: m } as MessageEvent<TrainMessage>), {
                models,
                train,
                now: () => performance.now(),
                activate: async (b) => b === "cpu" && tf.setBackend("cpu"),
              }),
          ),
        terminate: () => {},
      };
      return worker;
    });
  };
}
