"use client";

import Link from "next/link";
import { useMemo } from "react";
import { useAccount } from "wagmi";
import type { TrainingSettings } from "../../../client/src/node/training";
import type { TaskSnapshot } from "../chain";
import { ownRound, type OwnRound } from "../participants";
import { ChunkTable } from "../components/ChunkTable";
import { ErrorAlert } from "../components/forms";
import { formatFloat } from "../format";
import { useGlobalModel } from "../hooks/useGlobalModel";
import { useRoundAggregates } from "../hooks/useRoundAggregates";
import { useLocalData } from "../hooks/useLocalData";
import { useParticipantRound, type RoundRun } from "../hooks/useParticipantRound";
import { useSavedUpdate } from "../hooks/useSavedUpdate";
import { useTaskActivity } from "../hooks/useTaskActivity";
import { useWallet } from "../hooks/useWallet";
import { taskKey } from "../model/store";
import type { startTraining } from "../participate/trainer";
import {
  browserParticipationStore,
  participationKey,
  type ParticipationStore,
  type RoundEvaluation,
} from "../participate/updateStore";
import { useAppChain } from "../providers/appChain";
import { GlobalModel } from "./GlobalModel";
import { TrainingFields, useTrainingForm } from "./TrainingFields";
import { WithTask } from "./WithTask";

const percent = (x: number) => `${(x * 100).toFixed(2)} %`;

function TrainingStatus({ run, onCancel }: { run: RoundRun; onCancel: () => void }) {
  if (run.phase === "idle") return null;
  return (
    <div data-testid="round-run" data-phase={run.phase}>
      {run.phase === "training" && (
        <p role="status">
          Training locally{run.backend && ` (TensorFlow.js ${run.backend}, in a worker)`}
          {run.progress
            ? `: epoch ${run.progress.epoch} of ${run.progress.epochs}, loss ${formatFloat(run.progress.loss)}`
            : "…"}{" "}
          <button type="button" onClick={onCancel}>
            Cancel training
          </button>
        </p>
      )}
      {run.phase === "cancelled" && <p role="status">Training cancelled: nothing was saved or sent.</p>}
      {run.resumed && <p className="hint">Resumed the update this browser saved for round {run.round}.</p>}
      {run.msPerEpoch !== undefined && (
        <p className="hint" data-testid="ms-per-epoch" data-value={run.msPerEpoch}>
          Trained on {run.backend}: {Math.round(run.msPerEpoch)} ms per epoch.
        </p>
      )}
      {run.chunks.length > 0 && run.phase !== "training" && run.phase !== "cancelled" && (
        <>
          <p className="hint">
            {run.batched
              ? "All chunks go to your wallet in one batch (EIP-5792): one confirmation."
              : `One wallet confirmation per chunk (${run.chunks.length}).`}
          </p>
          <ChunkTable chunks={run.chunks} />
        </>
      )}
      {run.phase === "done" && (
        <p role="status" className="ok-text" data-testid="round-submitted" data-elapsed-ms={run.elapsedMs}>
          Round {run.round}: every chunk is on chain ({((run.elapsedMs ?? 0) / 1000).toFixed(1)} s from start).
        </p>
      )}
      <ErrorAlert message={run.phase === "failed" ? run.error : undefined} />
    </div>
  );
}

/** Why this browser's saved state was set aside (if it was), and where the data and the training stay. */
function PageNotices({ setAside }: { setAside?: string }) {
  return (
    <>
      {setAside && (
        <p role="status" className="notice" data-testid="state-set-aside">
          {setAside}
        </p>
      )}
      <p className="notice">
        Your data file is read by this page only and never uploaded: training runs in this browser (TensorFlow.js in a
        Web Worker) and only the encrypted update leaves it.
      </p>
    </>
  );
}

/** Chunks of the round this page saw confirmed (the chain's events reach the page a scan later). */
function confirmedHere(run: RoundRun, round: number): number[] {
  if (run.round !== round) return [];
  return run.chunks.filter((c) => c.status === "confirmed" || c.status === "on-chain").map((c) => c.chunk);
}

/** The current round's state, the connected account's part in it and what happens next. */
function RoundState({ state, own }: { state?: string; own: OwnRound }) {
  return (
    <p
      role="status"
      data-testid="round-state"
      data-state={state}
      data-submitted={own.submitted}
      className={own.submitted ? "ok-text" : undefined}
    >
      {own.text}
    </p>
  );
}

/** The button that trains and submits (or submits the saved update), and what it waits for. */
function StartActions({
  canStart,
  saved,
  waitingForModel,
  round,
  onStart,
}: {
  canStart: boolean;
  saved: boolean;
  /** The round is open but this page has not rebuilt the model it opened with yet. */
  waitingForModel: boolean;
  round: number;
  onStart: () => void;
}) {
  return (
    <div className="actions">
      <button type="button" disabled={!canStart} onClick={onStart}>
        {saved ? "Submit the saved update" : "Train, encrypt and submit"}
      </button>
      {waitingForModel && (
        <span className="hint" data-testid="model-not-ready">
          Waiting for this page to rebuild round {round}&apos;s global model (see <em>Global model</em> below).
        </span>
      )}
    </div>
  );
}

/** Accuracy and loss of each rebuilt global model on this browser's test split. */
function AccuracySection({ evaluations, error }: { evaluations: RoundEvaluation[]; error?: string }) {
  return (
    <section className="panel" aria-labelledby="accuracy-heading">
      <h2 id="accuracy-heading">Accuracy on your test split</h2>
      {evaluations.length === 0 ? (
        <p className="muted">After a round is revealed and its model rebuilt here, it is evaluated on your data.</p>
      ) : (
        <table aria-label="Accuracy per round">
          <thead>
            <tr>
              <th scope="col">After round</th>
              <th scope="col">Accuracy</th>
              <th scope="col">Loss</th>
            </tr>
          </thead>
          <tbody>
            {evaluations.map((e) => (
              <tr key={e.round} data-testid={`accuracy-${e.round}`} data-value={e.accuracy}>
                <td>{e.round}</td>
                <td>{percent(e.accuracy)}</td>
                <td>{formatFloat(e.loss)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ErrorAlert message={error} />
    </section>
  );
}

/** The participant's page for a loaded task: data, local training, submission, decryption and accuracy. */
export function Participation({
  task,
  store,
  startWorker,
}: {
  task: TaskSnapshot;
  store: ParticipationStore;
  startWorker?: typeof startTraining;
}) {
  const { deployment } = useAppChain();
  const wallet = useWallet();
  const { address } = useAccount();
  const activity = useTaskActivity(task.id);
  const model = useGlobalModel(task, activity, useRoundAggregates());
  const round = task.currentRound;
  const info = task.roundInfos[round - 1];
  const key = address
    ? participationKey(taskKey(deployment.chainId, deployment.aggregator, task.id), address)
    : undefined;

  const form = useTrainingForm();
  const { settings, backend } = form;
  const participant = useParticipantRound(task, model.spec, model.model, store, startWorker);
  // Called in this order so that their effects keep running as before: the data's, then the saved update's.
  const local = useLocalData({ files: form.files, model, labelColumn: form.text.labelColumn, settings, store, key });
  const { saved, setAside } = useSavedUpdate({ store, key, address, task, phase: participant.run.phase });

  const { run } = participant;
  const own = ownRound(task, activity.events, address, confirmedHere(run, round));
  const busy = run.phase === "training" || run.phase === "submitting";
  // Training starts from the round's committed model only (as the node refuses any other).
  const modelReady = !!info && model.model?.commitment === info.globalModelHash;
  const canStart =
    wallet.status === "ready" &&
    own.listed &&
    !own.submitted &&
    activity.scannedTo >= 0 && // until the events are read, the page cannot tell whether the update is in
    info?.state === "Open" &&
    !busy &&
    (saved || (!!local.data.data && typeof settings !== "string" && modelReady));
  const start = () =>
    void participant.start({
      data: local.data.data,
      settings: settings as TrainingSettings,
      backends: backend === "auto" ? undefined : [backend],
    });

  return (
    <>
      <PageNotices setAside={setAside} />
      <section className="panel" aria-labelledby="round-heading">
        <h2 id="round-heading">Round {round || "—"}</h2>
        <RoundState state={info?.state} own={own} />
        <TrainingFields form={form} data={local.data} />
        {!own.submitted && (
          <StartActions
            canStart={canStart}
            saved={saved}
            waitingForModel={!saved && info?.state === "Open" && !modelReady}
            round={round}
            onStart={start}
          />
        )}
        <TrainingStatus run={run} onCancel={participant.cancel} />
      </section>
      <GlobalModel task={task} state={model} deployment={deployment} walletReady={wallet.status === "ready"} />
      <AccuracySection evaluations={local.evaluations} error={local.evalError} />
    </>
  );
}

/** /tasks/[id]/participate: take part in a task from this browser. */
export function ParticipatePage({ id }: { id: bigint }) {
  const store = useMemo(() => browserParticipationStore(), []);
  return (
    <>
      <p>
        <Link href={`/tasks/${id}`}>← Task #{String(id)}</Link>
      </p>
      <h1>Take part in task #{String(id)}</h1>
      <WithTask id={id}>{(task) => <Participation task={task} store={store} />}</WithTask>
    </>
  );
}
