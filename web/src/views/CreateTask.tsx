"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { decodeTaskLogs } from "../../../client/src/chain/events";
import { encodingName } from "../../../client/src/codec/encoding";
import {
  MAX_VALUE_BITS,
  MAX_WORDS_PER_CHUNK,
  MIN_VALUE_BITS,
  WORD_BITS,
  type CodecParams,
} from "../../../client/src/codec/layout";
import { MODEL_KINDS } from "../../../client/src/protocol/modelSpec";
import { taskConfig } from "../../../client/src/protocol/taskChoices";
import { Policy } from "../../../client/src/protocol/vocabulary";
import { CheckedNumberField } from "../components/CheckedNumberField";
import { CostPreview } from "../components/CostPreview";
import { Field, InputField, JsonFileField, NumberField } from "../components/forms";
import { PrivacyFields } from "../components/PrivacyFields";
import { TxStatus } from "../components/TxStatus";
import { formatInt, shortHash } from "../format";
import { useTaskForm, type TaskFormState } from "../hooks/useTaskForm";
import { useTx, type TxRunner } from "../hooks/useTx";
import { useWallet } from "../hooks/useWallet";
import {
  DURATION_UNITS,
  MODEL_KIND_LABELS,
  hiddenSizesHint,
  type CodecText,
  type CohortText,
  type DurationUnit,
} from "../taskForm";
import { EncodingFields } from "./EncodingFields";

type NumberSpec<K> = { key: K; label: string; min?: number; max?: number; step?: "any" };

/** The codec inputs; blank lane bits and chunk size are chosen by the planner (shown in the hint). */
const CODEC_FIELDS: (NumberSpec<keyof CodecText> & { hint: string | ((c?: CodecParams) => string) })[] = [
  {
    key: "valueBits",
    label: "Value bits (b)",
    hint: "bits per quantized coordinate",
    min: MIN_VALUE_BITS,
    max: MAX_VALUE_BITS,
  },
  { key: "clip", label: "Clip bound (C)", hint: "deltas are clipped to [-C, C]", min: 0, step: "any" },
  {
    key: "sampleCap",
    label: "FedAvg sample cap",
    hint: "0: unweighted average (required with differential privacy)",
    min: 0,
  },
  { key: "weightFloor", label: "Weight floor", hint: "smallest weight code (weighted tasks)", min: 1 },
  {
    key: "laneBits",
    label: "Lane bits (L)",
    hint: (c) => `blank: narrowest for the cohort${c ? ` (${c.laneBits})` : ""}`,
    min: 3,
    max: WORD_BITS,
  },
  {
    key: "wordsPerChunk",
    label: "Words per chunk",
    hint: (c) => `blank: largest under the caps${c ? ` (${c.wordsPerChunk})` : ""}`,
    min: 1,
    max: MAX_WORDS_PER_CHUNK,
  },
];

const COHORT_FIELDS: (NumberSpec<Exclude<keyof CohortText, "duration">> & { hint?: string })[] = [
  {
    key: "minCohort",
    label: "Minimum cohort (K)",
    hint: "contributors every chunk needs; 3 or more (with 2, each reads the other)",
    min: 2,
  },
  { key: "maxCohort", label: "Maximum cohort", hint: "bounds the lane headroom", min: 2 },
  { key: "rounds", label: "Rounds", min: 1 },
];

const POLICIES: [number, string][] = [
  [Policy.Participants, "Participants: the owner and the round's participants decrypt privately (EIP-712)"],
  [Policy.Public, "Public: anyone may decrypt; clear values are posted on-chain with the KMS proof"],
];

/** Whether the model inputs are usable: an upload or spec error, the build in progress or failed, or the commitment. */
function ModelStatus({ form }: { form: TaskFormState }) {
  const commitment = form.model.status === "ready" ? form.model.commitment : undefined;
  return (
    <div role="status" aria-live="polite" style={{ marginTop: "0.75rem" }}>
      {form.uploadError ? (
        <span className="error-text">{form.uploadError}</span>
      ) : form.specError ? (
        <span className="error-text">{form.specError}</span>
      ) : form.specWaiting ? (
        form.specWaiting
      ) : form.model.status === "loading" ? (
        "Building the model…"
      ) : form.model.status === "error" ? (
        <span className="error-text">{form.model.error}</span>
      ) : commitment ? (
        <span data-testid="model-commitment">
          {formatInt(commitment.paramCount)} parameters; commitment{" "}
          <code title={commitment.modelHash}>{shortHash(commitment.modelHash)}</code>
        </span>
      ) : null}
    </div>
  );
}

/** The model spec, typed (architecture, shape, classes, hidden sizes, seed) or uploaded as JSON. */
function ModelFields({ form }: { form: TaskFormState }) {
  const { fields, setField: setF } = form;
  return (
    <fieldset className="panel">
      <legend>Model</legend>
      <div className="grid">
        <Field label="Architecture">
          {(p) => (
            <select {...p} value={fields.kind} onChange={(e) => setF("kind")(e.target.value)}>
              {MODEL_KINDS.map((k) => (
                <option key={k} value={k}>
                  {MODEL_KIND_LABELS[k]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <InputField
          label="Input shape"
          hint="e.g. 30, or 28, 28, 1 for images"
          value={fields.inputShape}
          onChange={(e) => setF("inputShape")(e.target.value)}
        />
        <NumberField label="Classes" min={2} value={fields.numClasses} onChange={setF("numClasses")} />
        <InputField
          label="Hidden sizes"
          hint={hiddenSizesHint(fields.kind) ?? "none: this architecture's layout is fixed"}
          value={hiddenSizesHint(fields.kind) ? fields.hidden : ""}
          onChange={(e) => setF("hidden")(e.target.value)}
          disabled={!hiddenSizesHint(fields.kind)}
        />
        <NumberField label="Initialisation seed" min={0} value={fields.seed} onChange={setF("seed")} />
        <JsonFileField
          label="Or upload an architecture JSON"
          hint='{"kind", "inputShape", "numClasses", "hidden"?, "seed"}'
          onLoad={form.upload}
          onError={form.setUploadError}
        />
      </div>
      <ModelStatus form={form} />
    </fieldset>
  );
}

/** The codec inputs (CODEC_FIELDS), their hints naming what the planner chose for blank ones, errors beside them. */
function CodecFields({ form }: { form: TaskFormState }) {
  return (
    <fieldset className="panel">
      <legend>Codec</legend>
      <div className="grid">
        {CODEC_FIELDS.map(({ key, hint, ...f }) => (
          <CheckedNumberField
            key={key}
            {...f}
            hint={typeof hint === "function" ? hint(form.draft.codec) : hint}
            error={form.draft.codecErrors[key]}
            value={form.text.codec[key]}
            onChange={form.setCodec(key)}
          />
        ))}
      </div>
    </fieldset>
  );
}

/** The cohort sizes, rounds and round duration (a number and its unit). */
function CohortGrid({ form }: { form: TaskFormState }) {
  const { cohort, unit } = form.text;
  const setK = form.setCohort;
  return (
    <div className="grid">
      {COHORT_FIELDS.map(({ key, ...f }) => (
        <NumberField key={key} {...f} value={cohort[key]} onChange={setK(key)} />
      ))}
      <div className="field">
        <NumberField label="Round duration" min={0} step="any" value={cohort.duration} onChange={setK("duration")} />
        <Field label="Duration unit">
          {(p) => (
            <select {...p} value={unit} onChange={(e) => form.setText({ unit: e.target.value as DurationUnit })}>
              {Object.keys(DURATION_UNITS).map((u) => (
                <option key={u}>{u}</option>
              ))}
            </select>
          )}
        </Field>
      </div>
    </div>
  );
}

/** Who takes part, the cohort and schedule, and who may decrypt the aggregates. */
function ParticipantsFields({ form }: { form: TaskFormState }) {
  const { policy, participants } = form.text;
  return (
    <fieldset className="panel">
      <legend>Participants and schedule</legend>
      <Field label="Participant addresses" hint="one per line, or separated by spaces or commas">
        {(p) => (
          <textarea
            {...p}
            value={participants}
            onChange={(e) => form.setText({ participants: e.target.value })}
            spellCheck={false}
            className="mono"
            placeholder="0x…"
          />
        )}
      </Field>
      <p className="hint">{form.draft.participants.length} valid address(es).</p>
      <CohortGrid form={form} />
      <fieldset style={{ border: 0, padding: 0, margin: "0.75rem 0 0" }}>
        <legend>Decryption policy</legend>
        {POLICIES.map(([value, text]) => (
          <label key={value}>
            <input
              type="radio"
              name="policy"
              checked={policy === value}
              onChange={() => form.setText({ policy: value })}
            />{" "}
            {text}
          </label>
        ))}
      </fieldset>
    </fieldset>
  );
}

/** The planner's cost per participant and round, compared with the uncompressed encoding when there is one. */
function CostPanel({ form }: { form: TaskFormState }) {
  const { draft } = form;
  return (
    <section className="panel" aria-labelledby="preview-heading">
      <h2 id="preview-heading">Cost preview</h2>
      <p className="hint">Per participant and round, from the planner (mock-measured gas, fhEVM HCU prices).</p>
      <div aria-live="polite">
        <CostPreview
          plan={draft.plan}
          participants={draft.participants.length}
          privacy={form.privacy}
          compare={
            draft.uncompressed && form.spec?.encoding
              ? { encoding: encodingName(form.spec.encoding), uncompressed: draft.uncompressed }
              : undefined
          }
        />
      </div>
    </section>
  );
}

/** The draft's errors and warnings, the submit button, the transaction and the created task's link. */
function CreatePanel({
  draft,
  canCreate,
  walletReady,
  tx,
  created,
}: {
  draft: TaskFormState["draft"];
  canCreate: boolean;
  walletReady: boolean;
  tx: TxRunner;
  created: bigint | undefined;
}) {
  return (
    <section className="panel" aria-labelledby="create-heading">
      <h2 id="create-heading">Create</h2>
      {draft.errors.length > 0 && (
        <ul role="alert" className="error-text">
          {draft.errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
      {draft.warnings.length > 0 && (
        <ul className="warning-text">
          {draft.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <button type="submit" disabled={!canCreate || tx.busy}>
        Create task
      </button>
      {!walletReady && <p className="hint">Connect a wallet on the aggregator&apos;s chain to create the task.</p>}
      <TxStatus state={tx.state} />
      {created !== undefined && (
        <p>
          Task #{String(created)} created: <Link href={`/tasks/${created}`}>open its dashboard</Link>.
        </p>
      )}
    </section>
  );
}

/**
 * Model init: model spec (typed or uploaded), update encoding, codec with live cost preview, cohort, schedule,
 * policy, differential privacy.
 */
export function CreateTask() {
  const router = useRouter();
  const wallet = useWallet();
  const tx = useTx();
  const form = useTaskForm();
  const { draft } = form;
  const [created, setCreated] = useState<bigint>();
  const commitment = form.model.status === "ready" ? form.model.commitment : undefined;
  const canCreate = wallet.status === "ready" && commitment !== undefined && draft.settings !== undefined;

  const create = async () => {
    if (!canCreate || !draft.settings || !commitment) return;
    // The terms of the spec the commitment was computed for: what the modelURI carries, so spec and chain agree.
    const config = taskConfig(draft.settings, { ...commitment, privacy: commitment.spec.privacy });
    const receipt = await tx.run("Create task", { fn: "createTask" }, [config, draft.participants]);
    const event = receipt && decodeTaskLogs(receipt.logs).find((e) => e.name === "TaskCreated");
    if (event) {
      const id = BigInt(event.args.taskId);
      setCreated(id);
      router.push(`/tasks/${id}`);
    }
  };

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void create();
      }}
      noValidate
    >
      <h1>New training task</h1>
      <div className="two-col">
        <div>
          <ModelFields form={form} />
          <EncodingFields choice={form.choice} onChange={form.setChoice} error={form.encodingError} />
          <CodecFields form={form} />
          <ParticipantsFields form={form} />
          <PrivacyFields text={form.privacyText} onChange={form.setPrivacy} draft={form.privacy} />
        </div>
        <div>
          <CostPanel form={form} />
          <CreatePanel
            draft={draft}
            canCreate={canCreate}
            walletReady={wallet.status === "ready"}
            tx={tx}
            created={created}
          />
        </div>
      </div>
    </form>
  );
}
