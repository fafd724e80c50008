/** The participant page's training worker stood in by a fixed step (tests of what happens around training). */
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
