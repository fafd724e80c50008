"use client";

import Link from "next/link";
import { useState } from "react";
import { Policy } from "../../../client/src/protocol/vocabulary";
import type { TaskSnapshot } from "../chain";
import { ErrorAlert } from "../components/forms";
import { StepList } from "../components/Steps";
import { Term } from "../components/Term";
import { shortHash } from "../format";
import type { GlobalModelState } from "../hooks/useGlobalModel";
import { downloadBlob, downloadJson, nodeModelFile } from "../model/files";
import { chainCommitmentAfter, type RebuildPlan } from "../model/rebuild";
import { needsModelMessage } from "../model/rebuildFlow";
import type { GlobalModel as Model } from "../model/store";
import { tfjsFiles } from "../model/tfjs";
import type { Deployment } from "../deployment";
import { InputBasisField } from "./InputBasis";

/** File name prefix of a model download: flufhe-task3-after-round2 (or -initial). */
export function modelFilePrefix(taskId: bigint, afterRound: number): string {
  return `flufhe-task${taskId}-${afterRound === 0 ? "initial" : `after-round${afterRound}`}`;
}

/** The evaluation page with this task's model chosen. */
export function evaluateLink(commitment: string): string {
  return `/evaluate?model=${commitment}`;
}

/** Where the model comes from, in words. */
export function modelTitle(afterRound: number): string {
  return afterRound === 0 ? "Initial model" : `Model after round ${afterRound}`;
}

/** The downloads of a model: TensorFlow.js (model JSON + weights binary), the nodes' model file, evaluation. */
export function ModelDownloads({
  model,
  task,
  deployment,
  evaluateHref,
}: {
  model: Model;
  task: Pick<TaskSnapshot, "id">;
  deployment: Pick<Deployment, "chainId" | "aggregator">;
  evaluateHref: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const prefix = modelFilePrefix(task.id, model.afterRound);
  const saveTfjs = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const files = await tfjsFiles(model.spec, model.weights, prefix, {
        flufhe: {
          commitment: model.commitment,
          chainId: deployment.chainId,
          aggregator: deployment.aggregator,
          taskId: String(task.id),
          afterRound: model.afterRound,
          spec: model.spec,
        },
      });
      downloadBlob(files.jsonName, new Blob([files.json], { type: "application/json" }));
      // Two downloads from one click: a short pause, as tf.io.browserDownloads does, so browsers keep both.
      await new Promise((r) => setTimeout(r, 100));
      downloadBlob(files.binName, new Blob([files.bin], { type: "application/octet-stream" }));
    } catch (e) {
      setError(`Could not export the model: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  const nodeFile = () => {
    const { filename, json } = nodeModelFile(model, task.id);
    downloadJson(filename, json);
  };
  return (
    <>
      <div className="actions">
        <button type="button" onClick={() => void saveTfjs()} disabled={busy}>
          Download for TensorFlow.js
        </button>
        <button type="button" className="secondary" onClick={nodeFile}>
          Download the model file for nodes
        </button>
        <Link href={evaluateHref}>Evaluate on a local file</Link>
      </div>
      <p className="hint">
        TensorFlow.js: <code>{prefix}.json</code> and <code>{prefix}.weights.bin</code>, loaded with{" "}
        <code>tf.loadLayersModel</code>; the model outputs class probabilities (softmax). The{" "}
        <Term id="nodeModelFile">model file for nodes</Term>: <code>{shortHash(model.commitment)}.json</code> (
        <code>{"{spec, commitment, weights}"}</code>): a <Term id="lateJoiner">late joiner</Term> finds it in its{" "}
        <code>--models</code> directory or through <code>flufhe serve-models</code>, and checks its hash against the
        chain.
      </p>
      <ErrorAlert message={error} />
    </>
  );
}

/** A late joiner's page: which model the rebuild starts from, and a file picker to load it. */
function StartingModelImport({
  needs,
  importModel,
}: {
  needs: NonNullable<RebuildPlan["needsModel"]>;
  importModel: GlobalModelState["importModel"];
}) {
  const [error, setError] = useState<string>();
  return (
    <>
      <p data-testid="needs-model">{needsModelMessage(needs)}.</p>
      {needs.commitment && (
        <label>
          Model file of round {needs.afterRound + 1}{" "}
          <input
            type="file"
            accept=".json,application/json"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (!file) return;
              setError(undefined);
              importModel(file).catch((err: unknown) => setError((err as Error).message));
            }}
          />
        </label>
      )}
      <ErrorAlert message={error} />
    </>
  );
}

/** The model after the last settled round: its commitment, checked against the chain's, and its downloads. */
function CurrentModel({
  model,
  task,
  deployment,
  onChain,
}: {
  model: Model;
  task: TaskSnapshot;
  deployment: Pick<Deployment, "chainId" | "aggregator">;
  /** The commitment the chain holds for this model (the next round opens with it). */
  onChain: string | undefined;
}) {
  return (
    <>
      <p>
        {modelTitle(model.afterRound)}
        {task.currentRound < task.rounds && model.afterRound === task.currentRound
          ? ` — round ${model.afterRound + 1} opens with it`
          : ""}
        :{" "}
        <code data-testid="global-model-commitment" data-commitment={model.commitment} title={model.commitment}>
          {shortHash(model.commitment)}
        </code>
        {onChain === model.commitment && (
          <span className="ok-text" data-testid="global-model-verified">
            {" "}
            ✓{" "}
            {model.afterRound === 0
              ? "the task's commitment"
              : `the commitment round ${model.afterRound + 1} opened with`}
          </span>
        )}
      </p>
      <ModelDownloads model={model} task={task} deployment={deployment} evaluateHref={evaluateLink(model.commitment)} />
    </>
  );
}

/** Rounds this browser still has to decrypt before it can rebuild, and the button that starts it. */
function DecryptPrompt({
  state,
  plan,
  isPublic,
  needWallet,
}: {
  state: GlobalModelState;
  plan: RebuildPlan;
  isPublic: boolean;
  needWallet: boolean;
}) {
  return (
    <>
      <p>
        {modelTitle(plan.target)}: this browser needs the aggregate of{" "}
        {state.toDecrypt.length === 1 ? `round ${state.toDecrypt[0]}` : `rounds ${state.toDecrypt.join(", ")}`}
        {plan.from > 0 ? ` (it keeps the model after round ${plan.from})` : ""}.{" "}
        {isPublic
          ? state.needsWallet
            ? "A wallet makes the aggregates publicly decryptable first (one transaction, any account); then anyone can decrypt them."
            : "The aggregates are public: anyone can decrypt them."
          : "Your wallet grants access if needed and signs one decryption request."}
      </p>
      <p className="hint" data-testid="rebuild-explained">
        <strong>Rebuild the global model</strong> decrypts{" "}
        {state.toDecrypt.length === 1 ? "this round's" : "these rounds'"} <Term id="aggregate">aggregate</Term> and
        applies it to the model: the result is what the next round starts from and what you download. To look at one
        round&apos;s averaged update instead, use <em>Decrypt round N</em> under Round aggregates; a round decrypted by
        either is reused by the other, never decrypted twice.
      </p>
      <div className="actions">
        <button type="button" onClick={state.rebuild} disabled={state.flow.running || needWallet}>
          Rebuild the global model
        </button>
        {needWallet && (
          <span className="hint">
            {isPublic
              ? "connect a wallet: nobody has made these aggregates publicly decryptable yet"
              : "connect the owner’s or a participant’s wallet"}
          </span>
        )}
      </div>
    </>
  );
}

/** The rebuild's steps (while it runs, when it failed or decrypted rounds) and why it failed. */
function RebuildProgress({ flow, decrypted }: { flow: GlobalModelState["flow"]; decrypted: boolean }) {
  return (
    <>
      {flow.steps.length > 0 && (flow.running || flow.failure || decrypted) && (
        <StepList steps={flow.steps} label="Rebuild of the global model" />
      )}
      {flow.failure && (
        <p role="alert" className={flow.failure.rejected ? "warning-text" : "error-text"}>
          Rebuild failed: {flow.failure.message}
        </p>
      )}
    </>
  );
}

/**
 * The global model in this browser: rebuilt from the task's spec and the revealed aggregates (the nodes'
 * code), checked against the chain's commitments, kept in IndexedDB; downloadable and evaluable.
 */
export function GlobalModel({
  task,
  state,
  deployment,
  walletReady,
}: {
  task: TaskSnapshot;
  state: GlobalModelState;
  deployment: Pick<Deployment, "chainId" | "aggregator">;
  walletReady: boolean;
}) {
  const { spec, plan, model } = state;
  if (!spec) {
    return (
      <section className="panel" aria-labelledby="global-heading">
        <h2 id="global-heading">Global model</h2>
        <p className="muted">
          This task’s model is not an inline spec, so the page cannot rebuild it: open rounds with a commitment computed
          elsewhere.
        </p>
      </section>
    );
  }
  const isPublic = task.policy === Policy.Public;
  const needWallet = state.needsWallet && !walletReady;
  return (
    <section className="panel" aria-labelledby="global-heading">
      <h2 id="global-heading">Global model</h2>
      <InputBasisField spec={spec} state={state.inputBasis} />
      {model ? (
        <CurrentModel
          model={model}
          task={task}
          deployment={deployment}
          onChain={chainCommitmentAfter(task, plan?.target ?? 0)}
        />
      ) : !plan ? (
        !state.error && <p role="status">Reading the models kept in this browser…</p>
      ) : plan.needsModel ? (
        <StartingModelImport needs={plan.needsModel} importModel={state.importModel} />
      ) : state.needsInputBasis ? (
        state.inputBasis.held === false ? (
          <p data-testid="rebuild-waits-for-basis">
            {modelTitle(plan.target)}: the rebuild decodes the revealed rounds with the task’s input basis; load it
            first.
          </p>
        ) : (
          <p role="status">Reading the input basis kept in this browser…</p>
        )
      ) : state.toDecrypt.length > 0 ? (
        <DecryptPrompt state={state} plan={plan} isPublic={isPublic} needWallet={needWallet} />
      ) : (
        <p role="status">Rebuilding…</p>
      )}
      <RebuildProgress flow={state.flow} decrypted={state.decrypted} />
      <ErrorAlert message={state.error} />
      <p className="hint">
        Rebuilt here from the task’s spec and the decrypted aggregates with the nodes’ own code; every model is kept in
        this browser {state.storeKind === "indexeddb" ? "(IndexedDB)" : "for this visit only (no IndexedDB)"} under its
        commitment and checked against it when read.
      </p>
    </section>
  );
}
