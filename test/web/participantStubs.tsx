/**
 * Stand-ins for what surrounds a browser participant's round in tests of the code around training: the
 * training worker (a fixed step), a tiny training split, and the participation's identity.
 */
import { vi } from "vitest";
import type { TrainingRun } from "../../web/src/participate/trainer";
import type { TrainRequest } from "../../web/src/participate/trainProtocol";

/**
 * Training whose "trained" model is the global plus `step(i)` on parameter i; every request is recorded
 * in `requests` (so a test can say training was, or was not, asked for).
 */
export function steppedTraining(requests: TrainRequest[], step: (i: number) => number) {
  return {
    start: (request: TrainRequest): TrainingRun => {
      requests.push(request);
      const weights = request.weights.map((w, i) => w + step(i));
      return {
        result: Promise.resolve({ weights, epochLosses: [0.5], backend: "cpu", msPerEpoch: 1 }),
        cancel: vi.fn(),
      };
    },
    onMessage: () => {},
  };
}

/** Four records of `features` zeros with labels 0, 1, 2, 0: a training split for stand-in training. */
export const fourRecords = (features: number) => ({
  x: new Float32Array(4 * features),
  y: new Int32Array([0, 1, 2, 0]),
  numFeatures: features,
  numClasses: 3,
  featureShape: [features],
});

/** The participation identity of devnet account 1 in task `taskId` (created in block 7) on the devnet's first aggregator. */
export const participantIdentity = (taskId: bigint, modelHash: string) => ({
  task: {
    chainId: "31337",
    aggregator: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
    taskId: String(taskId),
    modelHash,
    createdBlock: 7,
    createdBlockHash: "0x" + "ab".repeat(32),
  },
  account: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
});
