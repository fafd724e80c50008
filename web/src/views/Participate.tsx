"use client";

import Link from "next/link";
import { useMemo } from "react";
import { useAccount } from "wagmi";
import type { TrainingSettings } from "../../../client/src/node/training";
import { firstRoundFrom } from "../../../client/src/protocol/membership";
import type { PrivacyTerms } from "../../../client/src/protocol/privacy";
import { sameAddress, type TaskSnapshot } from "../chain";
import { ownRound, type OwnRound } from "../participants";
import { ChunkTable } from "../components/ChunkTable";
import { ExpectedData } from "../components/ExpectedData";
import { ErrorAlert } from "../components/forms";
import { PrivacyBudget } from "../components/PrivacyBudget";
import { TaskPromise } from "../components/TaskPromise";
import { formatFloat } from "../format";
import { useGlobalModel } from "../hooks/useGlobalModel";
import { useRoundAggregates } from "../hooks/useRoundAggregates";
import { useLocalData } from "../hooks/useLocalData";
import { useParticipantRound, type RoundRun, type StartEncryptor } from "../hooks/useParticipantRound";
import { useParticipantPrivacy } from "../hooks/useParticipantPrivacy";
import { useSavedUpdate } from "../hooks/useSavedUpdate";
import { useTaskActivity } from "../hooks/useTaskActivity";
import { useWallet } from "../hooks/useWallet";
import { taskKey } from "../model/store";
import { engineLine, type EncryptEngine } from "../participate/encryptProtocol";
import { isolationProblem } from "../participate/encryptor";
import { browserLedgerStore, type BrowserLedgerStore } from "../participate/privacyLedgerStore";
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
/** Long words (addresses, hashes, file names) wrap instead of widening the page on a phone. */
const WRAP = { overflowWrap: "anywhere" } as const;

function TrainingStatus({ run, privacy, onCancel }: { run: RoundRun; privacy?: PrivacyTerms; onCancel: () => void }) {
  if (run.phase === "idle") return null;
  const how = privacy ? ` with DP-SGD (${privacy.stepsPerRound} steps)` : "";
  const sent = run.phase !== "training" && run.phase !== "cancelled" && run.phase !== "refused";
  return (
    <div data-testid="round-run" data-phase={run.phase}>
      {run.phase === "training" && (
        <p role="status">
          Training locally{how}
          {run.backend && ` (TensorFlow.js ${run.backend}, in a worker)`}
          {run.progress && !privacy
            ? `: epoch ${run.progress.epoch} of ${run.progress.epochs}, loss ${formatFloat(run.progress.loss)}`
            : "…"}{" "}
          <button type="button" onClick={onCancel}>
            Cancel training
          </button>
        </p>
      )}
      {run.phase === "cancelled" && (
        <>
          <p role="status">Training cancelled: nothing was saved or sent.</p>
          <p className="hint">
            The round stays in your data&apos;s privacy ledger: a round is charged when its training starts, as the node
            does.
          </p>
        </>
      )}
      {run.phase === "refused" && (
        <p role="alert" className="notice error" data-testid="privacy-refused" style={WRAP}>
          Your privacy ledger refused round {run.round}: nothing was trained or sent. {run.error}
        </p>
      )}
      {run.resumed && <p className="hint">Resumed the update this browser saved for round {run.round}.</p>}
      {run.msPerEpoch !== undefined && (
        <p className="hint" data-testid="ms-per-epoch" data-value={run.msPerEpoch}>
          Trained on {run.backend}: {Math.round(run.msPerEpoch)} ms
          {privacy ? ` for ${privacy.stepsPerRound} DP-SGD steps.` : " per epoch."}
        </p>
      )}
      {run.chunks.length > 0 && sent && (
        <>
          <p className="hint">
            {run.batched
              ? "All chunks go to your wallet in one batch (EIP-5792): one confirmation."
              : `One wallet confirmation per chunk (${run.chunks.length}).`}
          </p>
          <div style={{ overflowX: "auto" }}>
            <ChunkTable chunks={run.chunks} />
          </div>
        </>
      )}
      {run.phase === "done" && (
        <p role="status" className="ok-text" data-testid="round-submitted" data-elapsed-ms={run.elapsedMs}>
          Round {run.round}: every chunk is on chain ({((run.elapsedMs ?? 0) / 1000).toFixed(1)} s from start).
        </p>
      )}
      <div style={WRAP}>
        <ErrorAlert message={run.phase === "failed" ? run.error : undefined} />
      </div>
    </div>
  );
}

/**
 * How this page encrypts: the encryption worker's threads, or why one thread (with a reload button where a
 * full load of the page would isolate it). Rendered after mount only (the engine is read from the browser).
 */
function EncryptionThreads({ engine }: { engine?: EncryptEngine }) {
  if (!engine) return null;
  const reload = engine.kind === "sdk" && !engine.isolated && isolationProblem(globalThis)?.reload;
  return (
    <p
      className="hint"
      data-testid="encryption-threads"
      data-threads={engine.threads}
      data-isolated={engine.isolated}
      style={WRAP}
    >
      {engineLine(engine)}
      {reload && (
        <>
          {" "}
          <button type="button" onClick={() => globalThis.location.reload()}>
            Reload this page
          </button>
        </>
      )}
    </p>
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
        Web Worker), encryption in another worker, and only the encrypted update leaves it.
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
      style={WRAP}
    >
      {own.text}
    </p>
  );
}

/** Whether `account` is listed for the current round or a later one of the task (else it has nothing to submit). */
function takesPart(task: TaskSnapshot, account: string | undefined): boolean {
  const member = task.participants.find((p) => sameAddress(p.account, account));
  const first = member && firstRoundFrom(member.history, Math.max(task.currentRound, 1));
  return first !== undefined && first <= task.rounds;
}

/** What a connected account that the owner has not listed sees instead of the data form. */
function NotParticipant({ account, rounds }: { account: string; rounds: number }) {
  return (
    <p role="note" className="notice warn" data-testid="not-participant" style={WRAP}>
      Your account {account} is not a participant of this task: the owner has not listed it for this round or any later
      one (of {rounds}). Only listed accounts can submit updates; if you should take part, send the owner this address.
      Everyone can follow the task on its page.
    </p>
  );
}

/** The button that trains and submits (or submits the saved update), and what it waits for. */
function StartActions({
  canStart,
  saved,
  waitingForModel,
  round,
  blocked,
  onStart,
}: {
  canStart: boolean;
  saved: boolean;
  /** Why the page will not train on this task at all. */
  blocked?: string;
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
      {blocked && (
        <span className="hint error-text" data-testid="start-blocked">
          {blocked}
        </span>
      )}
      {waitingForModel && !blocked && (
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

/** The participant's page for a loaded task: what it expects and promises, data, privacy budget, local training, submission, decryption and accuracy. */
export function Participation({
  task,
  store,
  startWorker,
  ledgerStore: givenLedger,
  startEncryptor,
}: {
  task: TaskSnapshot;
  store: ParticipationStore;
  startWorker?: typeof startTraining;
  /** Starts the encryption worker (default: a Web Worker; a fake in tests). */
  startEncryptor?: StartEncryptor;
  /** The privacy ledger's store (default: this browser's IndexedDB, memory without one). */
  ledgerStore?: BrowserLedgerStore;
}) {
  const { deployment } = useAppChain();
  const wallet = useWallet();
  const { address } = useAccount();
  const activity = useTaskActivity(task.id);
  const model = useGlobalModel(task, activity, useRoundAggregates());
  const ledgerStore = useMemo(() => givenLedger ?? browserLedgerStore(), [givenLedger]);
  const round = task.currentRound;
  const info = task.roundInfos[round - 1];
  const key = address
    ? participationKey(taskKey(deployment.chainId, deployment.aggregator, task.id), address)
    : undefined;

  const form = useTrainingForm();
  const { settings, backend } = form;
  const participant = useParticipantRound(
    task,
    model.spec,
    model.model,
    store,
    startWorker,
    ledgerStore,
    startEncryptor,
  );
  // Called in this order so that their effects keep running as before: the data's, then the saved update's.
  const local = useLocalData({ files: form.files, model, labelColumn: form.text.labelColumn, settings, store, key });
  const { saved, setAside } = useSavedUpdate({ store, key, address, task, phase: participant.run.phase });
  const dataset = local.picked.picked?.dataset;
  const { terms, checked, problem, ledger, outlook } = useParticipantPrivacy({
    task,
    spec: model.spec,
    ledgerStore,
    dataset,
    refresh: participant.run.phase,
  });

  const { run } = participant;
  const own = ownRound(task, activity.events, address, confirmedHere(run, round));
  const member = takesPart(task, address);
  const busy = run.phase === "training" || run.phase === "submitting";
  // Training starts from the round's committed model only (as the node refuses any other).
  const modelReady = !!info && model.model?.commitment === info.globalModelHash;
  // A pca task encodes with its input basis: without it there is nothing to train for (a saved update still goes).
  const missingBasis = model.inputBasis.digest !== undefined && !model.inputBasis.held;
  // Said only once the store was read (held false), not while it is being read.
  const basisAbsent = model.inputBasis.digest !== undefined && model.inputBasis.held === false;
  const canStart =
    wallet.status === "ready" &&
    own.listed &&
    !own.submitted &&
    activity.scannedTo >= 0 && // until the events are read, the page cannot tell whether the update is in
    info?.state === "Open" &&
    !busy &&
    checked && // the task's privacy promise, before anything is trained
    (saved || (!!local.data.data && typeof settings !== "string" && modelReady && !missingBasis));
  const start = () =>
    void participant.start({
      data: local.data.data,
      settings: settings as TrainingSettings,
      backends: backend === "auto" ? undefined : [backend],
    });

  return (
    <>
      <PageNotices setAside={setAside} />
      {model.spec && <ExpectedData spec={model.spec} />}
      {model.spec && <TaskPromise terms={terms} problem={problem} />}
      <section className="panel" aria-labelledby="round-heading">
        <h2 id="round-heading">Round {round || "—"}</h2>
        <RoundState state={info?.state} own={own} />
        {address && !member ? (
          <NotParticipant account={address} rounds={task.rounds} />
        ) : (
          <TrainingFields form={form} picked={local.picked.picked} data={local.data} privacy={terms} />
        )}
      </section>
      {(!address || member) && (
        <>
          <PrivacyBudget
            kind={ledger.kind}
            dataset={dataset}
            account={ledger.account}
            error={ledger.error}
            outlook={outlook}
            onSetBudget={ledger.setBudget}
          />
          {(!own.submitted || run.phase !== "idle") && (
            <section className="panel" aria-labelledby="update-heading">
              <h2 id="update-heading">Your update</h2>
              {!own.submitted && (
                <StartActions
                  canStart={canStart}
                  saved={saved}
                  blocked={
                    problem
                      ? "Not possible: the task's privacy promise does not check out (see Privacy promise)."
                      : basisAbsent && !saved
                        ? "Load the task's input basis first (Input basis, in the Global model panel below)."
                        : undefined
                  }
                  waitingForModel={!saved && info?.state === "Open" && !modelReady}
                  round={round}
                  onStart={start}
                />
              )}
              <EncryptionThreads engine={participant.engine} />
              <TrainingStatus run={run} privacy={terms} onCancel={participant.cancel} />
            </section>
          )}
        </>
      )}
      <GlobalModel task={task} state={model} deployment={deployment} walletReady={wallet.status === "ready"} />
      {(!address || member) && <AccuracySection evaluations={local.evaluations} error={local.evalError} />}
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
