"use client";

import { useCallback, useRef, useState } from "react";
import type { ModelSpec } from "../../../client/src/protocol/modelSpec";
import type { TrainingSettings } from "../../../client/src/node/training";
import { aggregatorAt, aggregatorInterface, type TaskSnapshot } from "../chain";
import { describeError } from "../errors";
import { fhevmConnection } from "../fhe";
import type { GlobalModel } from "../model/store";
import { submitBatched, supportsBatchedCalls, type Eip1193Request } from "../participate/batch";
import type { LocalData } from "../participate/localData";
import { preparedUpdate, submitChunks, type ChunkState } from "../participate/roundUpdate";
import { startTraining, TrainingCancelled, type TrainingRun } from "../participate/trainer";
import type { BackendName, TrainMessage } from "../participate/trainProtocol";
import { openParticipation, type ParticipationStore } from "../participate/updateStore";
import { useAppChain } from "../providers/appChain";
import { useSigner } from "./useWallet";

export type RoundPhase = "idle" | "training" | "submitting" | "done" | "cancelled" | "failed";

export interface RoundRun {
  phase: RoundPhase;
  round?: number;
  backend?: BackendName;
  progress?: { epoch: number; epochs: number; loss: number };
  msPerEpoch?: number;
  /** The saved update of this round was submitted (a reload), not a new one trained. */
  resumed?: boolean;
  batched?: boolean;
  chunks: ChunkState[];
  /** From "start" to every chunk confirmed. */
  elapsedMs?: number;
  error?: string;
}

export interface ParticipantRound {
  run: RoundRun;
  /** Trains (unless this browser saved the round's update already), encodes, saves and submits. */
  start(args: { data?: LocalData; settings: TrainingSettings; backends?: BackendName[] }): Promise<void>;
  cancel(): void;
}

/** One round's participation from this page: training in the worker, then the chunks with the wallet. */
export function useParticipantRound(
  task: TaskSnapshot,
  spec: ModelSpec | undefined,
  global: GlobalModel | undefined,
  store: ParticipationStore,
  startWorker: typeof startTraining = startTraining,
): ParticipantRound {
  const { deployment, provider, aggregator: readAggregator } = useAppChain();
  const getSigner = useSigner();
  const [run, setRun] = useState<RoundRun>({ phase: "idle", chunks: [] });
  const training = useRef<TrainingRun | undefined>(undefined);

  const onTraining = useCallback((m: TrainMessage) => {
    if (m.type === "backend") setRun((r) => ({ ...r, backend: m.backend }));
    if (m.type === "progress") setRun((r) => ({ ...r, progress: { epoch: m.epoch, epochs: m.epochs, loss: m.loss } }));
    if (m.type === "done") setRun((r) => ({ ...r, msPerEpoch: m.msPerEpoch }));
  }, []);
  const onChunk = useCallback(
    (c: ChunkState) => setRun((r) => ({ ...r, chunks: r.chunks.map((x) => (x.chunk === c.chunk ? c : x)) })),
    [],
  );

  const start = useCallback(
    async ({
      data,
      settings,
      backends,
    }: {
      data?: LocalData;
      settings: TrainingSettings;
      backends?: BackendName[];
    }) => {
      const round = task.currentRound;
      const info = task.roundInfos[round - 1];
      const t0 = performance.now();
      const chunks = Array.from({ length: task.layout.chunkCount }, (_, chunk) => ({
        chunk,
        status: "queued" as const,
      }));
      setRun({ phase: "training", round, chunks });
      try {
        if (!getSigner) throw new Error("connect the wallet of a listed participant first");
        if (!spec) throw new Error("the task's model is not an inline spec: this page cannot train it");
        if (info?.state !== "Open") throw new Error(`round ${round} is not open`);
        const { signer, eip1193 } = await getSigner();
        const account = await signer.getAddress();
        const record = await openParticipation(store, readAggregator, deployment.chainId, task.id, account);
        const prepared = await preparedUpdate(
          {
            taskId: task.id,
            round,
            globalModelHash: info.globalModelHash,
            spec,
            layout: task.layout,
            global,
            train: data?.train,
            settings,
            backends,
          },
          record,
          store,
          {
            start: startWorker,
            onMessage: onTraining,
            onStart: (r) => (training.current = r),
          },
        );
        training.current = undefined;
        setRun((r) => ({ ...r, phase: "submitting", resumed: prepared.resumed }));
        const { instance, hcuOf } = await fhevmConnection(deployment.chainId, provider, eip1193);
        const aggregator = aggregatorAt(deployment.aggregator, signer);
        const common = {
          aggregator,
          instance,
          hcuOf,
          taskId: task.id,
          round,
          layout: task.layout,
          chunks: prepared.chunks,
          onChunk,
        };
        const wallet = eip1193 as Eip1193Request;
        const batched = task.layout.chunkCount > 1 && (await supportsBatchedCalls(wallet, account, deployment.chainId));
        setRun((r) => ({ ...r, batched }));
        if (batched) await submitBatched({ ...common, wallet, account, chainId: deployment.chainId, provider });
        else await submitChunks(common);
        setRun((r) => ({ ...r, phase: "done", elapsedMs: performance.now() - t0 }));
      } catch (error) {
        training.current = undefined;
        if (error instanceof TrainingCancelled) setRun((r) => ({ ...r, phase: "cancelled" }));
        else setRun((r) => ({ ...r, phase: "failed", error: describeError(error, aggregatorInterface).message }));
      }
    },
    [task, spec, global, store, getSigner, deployment, provider, readAggregator, startWorker, onTraining, onChunk],
  );

  return { run, start, cancel: useCallback(() => training.current?.cancel(), []) };
}
