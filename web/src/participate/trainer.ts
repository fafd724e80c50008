/**
 * The page's side of the training worker: one request, progress as it comes, the trained weights or
 * the worker's error; cancel() terminates the worker at once (tfjs cannot be interrupted otherwise).
 */
import type { BackendName, TrainMessage, TrainRequest } from "./trainProtocol";

/** The part of a Worker the trainer uses (a fake in tests). */
export interface WorkerLike {
  onmessage: ((event: MessageEvent<TrainMessage>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
  postMessage(message: TrainRequest, transfer: Transferable[]): void;
  terminate(): void;
}

export interface Trained {
  weights: Float32Array;
  epochLosses: number[];
  backend: BackendName;
  msPerEpoch: number;
}

export interface TrainingRun {
  result: Promise<Trained>;
  cancel(): void;
}

export class TrainingCancelled extends Error {
  constructor() {
    super("training cancelled");
  }
}

export const trainingWorker = (): WorkerLike =>
  new Worker(new URL("./trainWorker.ts", import.meta.url), { type: "module" }) as unknown as WorkerLike;

/** Starts `request` in a fresh worker; `onMessage` sees every backend and progress message. */
export function startTraining(
  request: TrainRequest,
  onMessage: (m: TrainMessage) => void,
  makeWorker: () => WorkerLike = trainingWorker,
): TrainingRun {
  const worker = makeWorker();
  let settle: { resolve(t: Trained): void; reject(e: Error): void } | undefined;
  const result = new Promise<Trained>((resolve, reject) => (settle = { resolve, reject }));
  const finish = (outcome: Trained | Error) => {
    worker.terminate();
    const s = settle;
    settle = undefined;
    if (outcome instanceof Error) s?.reject(outcome);
    else s?.resolve(outcome);
  };
  worker.onmessage = ({ data }) => {
    if (!settle) return;
    onMessage(data);
    if (data.type === "done") finish(data);
    if (data.type === "error") finish(new Error(`local training failed: ${data.message}`));
  };
  worker.onerror = (event) => finish(new Error(`the training worker failed: ${event.message || "no details"}`));
  // A copy of the weights goes over (transferred): the caller keeps its global model.
  const weights = Float32Array.from(request.weights);
  worker.postMessage({ ...request, weights }, [weights.buffer]);
  return { result, cancel: () => finish(new TrainingCancelled()) };
}
