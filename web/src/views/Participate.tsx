"use client";

import Link from "next/link";
import { useEffect, useMemo, useState } from "react";
import { useAccount } from "wagmi";
import { TRAINING_RULES, type TrainingSettings } from "../../../client/src/node/training";
import { parseNumber } from "../../../client/src/util/numbers";
import { inRound, sameAddress, type TaskSnapshot } from "../chain";
import { ChunkTable } from "../components/ChunkTable";
import { ErrorAlert, Field, InputField, NumberField } from "../components/forms";
import { describeError } from "../errors";
import { formatFloat } from "../format";
import { useGlobalModel } from "../hooks/useGlobalModel";
import { useLocalEvaluations } from "../hooks/useLocalEvaluations";
import { useParticipantRound, type RoundRun } from "../hooks/useParticipantRound";
import { useTaskActivity } from "../hooks/useTaskActivity";
import { useWallet } from "../hooks/useWallet";
import { readPicked } from "../model/dataFiles";
import { taskKey } from "../model/store";
import { localSplit, type LocalData } from "../participate/localData";
import { NODE_DEFAULTS } from "../participate/roundUpdate";
import type { startTraining } from "../participate/trainer";
import { BACKEND_ORDER, type BackendName } from "../participate/trainProtocol";
import {
  browserParticipationStore,
  openParticipation,
  participationKey,
  type ParticipationStore,
} from "../participate/updateStore";
import { useAppChain } from "../providers/appChain";
import { GlobalModel } from "./GlobalModel";
import { WithTask } from "./WithTask";

const percent = (x: number) => `${(x * 100).toFixed(2)} %`;

interface SettingsText {
  labelColumn: string;
  seed: string;
  epochs: string;
  batchSize: string;
  learningRate: string;
}

/** The typed settings, or what is wrong with them (the node's option rules). */
function parseSettings(t: SettingsText): TrainingSettings | string {
  try {
    return {
      seed: parseNumber("the seed", t.seed, TRAINING_RULES.seed),
      epochs: parseNumber("epochs", t.epochs, TRAINING_RULES.epochs),
      batchSize: parseNumber("the batch size", t.batchSize, TRAINING_RULES.batchSize),
      learningRate: parseNumber("the learning rate", t.learningRate, TRAINING_RULES.learningRate),
    };
  } catch (error) {
    return (error as Error).message;
  }
}

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
  const { deployment, aggregator: appAggregator } = useAppChain();
  const wallet = useWallet();
  const { address } = useAccount();
  const activity = useTaskActivity(task.id);
  const model = useGlobalModel(task, activity);
  const round = task.currentRound;
  const info = task.roundInfos[round - 1];
  const listed = task.participants.some((p) => sameAddress(p.account, address) && inRound(p, round));
  const key = address
    ? participationKey(taskKey(deployment.chainId, deployment.aggregator, task.id), address)
    : undefined;

  const [files, setFiles] = useState<File[]>([]);
  const [text, setText] = useState<SettingsText>({
    labelColumn: "label",
    seed: String(NODE_DEFAULTS.seed),
    epochs: String(NODE_DEFAULTS.epochs),
    batchSize: String(NODE_DEFAULTS.batchSize),
    learningRate: String(NODE_DEFAULTS.learningRate),
  });
  const settings = parseSettings(text);
  const [data, setData] = useState<{ data?: LocalData; error?: string }>({});
  const [saved, setSaved] = useState(false);
  const [setAside, setSetAside] = useState<string | undefined>();
  const [backend, setBackend] = useState<"auto" | BackendName>("auto");
  const participant = useParticipantRound(task, model.spec, model.model, store, startWorker);
  const { evaluations, error: evalError } = useLocalEvaluations(model.model, data.data, store, key);

  // Parsed in the page on every change of the file or of what splits it (the node's --seed).
  useEffect(() => {
    if (files.length === 0 || !model.spec || typeof settings === "string") return;
    let cancelled = false;
    const spec = model.spec;
    const seed = settings.seed;
    Promise.all(files.map(readPicked))
      .then((picked) => localSplit(picked, spec, { labelColumn: text.labelColumn, seed }))
      .then(
        (d) => !cancelled && setData({ data: d }),
        (e: unknown) => !cancelled && setData({ error: describeError(e).message }),
      );
    return () => {
      cancelled = true;
    };
  }, [files, model.spec, text.labelColumn, typeof settings === "string" ? -1 : settings.seed]); // eslint-disable-line react-hooks/exhaustive-deps

  // A saved update of the open round: the button resumes it instead of training again.
  useEffect(() => {
    if (!key || !address) return;
    let cancelled = false;
    openParticipation(store, appAggregator, deployment.chainId, task.id, address).then(
      (r) => {
        if (cancelled) return;
        setSaved(r.state.updates[round] !== undefined);
        if (r.setAside) setSetAside(r.setAside);
      },
      (e: unknown) =>
        !cancelled && setSetAside(`Could not read this browser's saved update: ${describeError(e).message}`),
    );
    return () => {
      cancelled = true;
    };
  }, [key, address, store, appAggregator, deployment.chainId, task.id, round, participant.run.phase]);

  const busy = participant.run.phase === "training" || participant.run.phase === "submitting";
  // Training starts from the round's committed model only (as the node refuses any other).
  const modelReady = !!info && model.model?.commitment === info.globalModelHash;
  const canStart =
    wallet.status === "ready" &&
    listed &&
    info?.state === "Open" &&
    !busy &&
    (saved || (!!data.data && typeof settings !== "string" && modelReady));

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
      <section className="panel" aria-labelledby="round-heading">
        <h2 id="round-heading">Round {round || "—"}</h2>
        {round === 0 ? (
          <p>No round has opened yet.</p>
        ) : (
          <p data-testid="round-state" data-state={info.state}>
            Round {round} of {task.rounds} is {info.state.toLowerCase()}.{" "}
            {address
              ? listed
                ? "Your account is listed for it."
                : "Your account is not listed for this round."
              : "Connect the wallet of a listed participant."}
          </p>
        )}
        <fieldset>
          <legend>Your data</legend>
          <InputField
            label="Data file"
            hint="A CSV with a header line and a label column, or an IDX images file and its labels file (.gz works too)."
            type="file"
            multiple
            onChange={(e) => setFiles([...(e.target.files ?? [])])}
          />
          <InputField
            label="Label column"
            hint="CSV only: the node's --label-column."
            value={text.labelColumn}
            onChange={(e) => setText({ ...text, labelColumn: e.target.value })}
          />
          <NumberField
            label="Seed"
            hint="The node's --seed: the train/test split and the training shuffles."
            value={text.seed}
            onChange={(v) => setText({ ...text, seed: v })}
            min={0}
          />
          <NumberField label="Epochs" value={text.epochs} onChange={(v) => setText({ ...text, epochs: v })} min={1} />
          <NumberField
            label="Batch size"
            value={text.batchSize}
            onChange={(v) => setText({ ...text, batchSize: v })}
            min={1}
          />
          <NumberField
            label="Learning rate"
            value={text.learningRate}
            onChange={(v) => setText({ ...text, learningRate: v })}
            step="any"
          />
          <Field
            label="TensorFlow.js backend"
            hint="Where the worker trains; the update matches the node's within one quantization step on any of them."
          >
            {(p) => (
              <select {...p} value={backend} onChange={(e) => setBackend(e.target.value as "auto" | BackendName)}>
                <option value="auto">Fastest available (WebGL, else WASM, else cpu)</option>
                {BACKEND_ORDER.map((b) => (
                  <option key={b} value={b}>
                    {b === "webgl" ? "WebGL" : b === "wasm" ? "WASM" : "cpu (plain JavaScript)"}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {data.data && (
            <p className="hint" data-testid="data-summary">
              {data.data.source}: {data.data.train.y.length} training and {data.data.test.y.length} test samples (read
              in this page only).
            </p>
          )}
          <ErrorAlert message={data.error ?? (typeof settings === "string" ? settings : undefined)} />
        </fieldset>
        <div className="actions">
          <button
            type="button"
            disabled={!canStart}
            onClick={() =>
              void participant.start({
                data: data.data,
                settings: settings as TrainingSettings,
                backends: backend === "auto" ? undefined : [backend],
              })
            }
          >
            {saved ? "Submit the saved update" : "Train, encrypt and submit"}
          </button>
          {!saved && info?.state === "Open" && !modelReady && (
            <span className="hint" data-testid="model-not-ready">
              Waiting for this page to rebuild round {round}&apos;s global model (see <em>Global model</em> below).
            </span>
          )}
        </div>
        <TrainingStatus run={participant.run} onCancel={participant.cancel} />
      </section>
      <GlobalModel task={task} state={model} deployment={deployment} walletReady={wallet.status === "ready"} />
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
        <ErrorAlert message={evalError} />
      </section>
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
