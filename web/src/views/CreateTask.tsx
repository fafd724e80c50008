"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type MouseEvent } from "react";
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
import { CostPreview } from "../components/CostPreview";
import { Field, InputField, JsonFileField, NumberField } from "../components/forms";
import { PrivacyFields } from "../components/PrivacyFields";
import { Term } from "../components/Term";
import { TxStatus } from "../components/TxStatus";
import { formatInt, shortHash } from "../format";
import { explain } from "../glossary";
import { useTaskForm, type TaskFormState } from "../hooks/useTaskForm";
import { useTx, type TxRunner } from "../hooks/useTx";
import { useWallet } from "../hooks/useWallet";
import { browserModelStore } from "../model/store";
import {
  DURATION_UNITS,
  FIELD_LABELS,
  MODEL_KIND_LABELS,
  SPEC_LIMITS,
  fieldId,
  hiddenSizesHint,
  type CodecText,
  type CohortText,
  type DurationUnit,
} from "../taskForm";
import { EncodingFields } from "./EncodingFields";

type NumberSpec<K> = { key: K; min?: number; max?: number; step?: "any" };

/** The codec inputs; blank lane bits and chunk size are chosen by the planner (shown in the hint). */
const CODEC_FIELDS: (NumberSpec<keyof CodecText> & { hint: (c?: CodecParams) => string })[] = [
  { key: "valueBits", hint: () => explain("valueBits"), min: MIN_VALUE_BITS, max: MAX_VALUE_BITS },
  { key: "clip", hint: () => explain("clip"), min: 0, step: "any" },
  {
    key: "sampleCap",
    hint: () => `${explain("sampleCap")} Differential privacy needs 0.`,
    min: 0,
  },
  { key: "weightFloor", hint: () => explain("weightFloor"), min: 1 },
  {
    key: "laneBits",
    hint: (c) => `${explain("laneBits")} Blank: the narrowest for the cohort${c ? ` (${c.laneBits})` : ""}.`,
    min: 3,
    max: WORD_BITS,
  },
  {
    key: "wordsPerChunk",
    hint: (c) =>
      `Encrypted words per transaction (a chunk). Blank: the most one transaction can carry${c ? ` (${c.wordsPerChunk})` : ""}.`,
    min: 1,
    max: MAX_WORDS_PER_CHUNK,
  },
];

const COHORT_FIELDS: (NumberSpec<Exclude<keyof CohortText, "duration">> & { hint?: string })[] = [
  {
    key: "minCohort",
    hint: `${explain("K")} 3 or more: with 2, each of the two can read the other's update.`,
    min: 2,
  },
  { key: "maxCohort", hint: explain("maxCohort"), min: 2 },
  { key: "rounds", hint: "How many times the participants train and the model is updated.", min: 1 },
];

const POLICIES: [number, string][] = [
  [Policy.Participants, "Participants: the owner and the round's participants decrypt privately (EIP-712)"],
  [Policy.Public, "Public: anyone may decrypt; clear values are posted on-chain with the KMS proof"],
];

/** Whether the model inputs are usable: an upload or spec error, the build in progress or failed, or the commitment. */
function ModelStatus({ form }: { form: TaskFormState }) {
  const commitment = form.model.status === "ready" ? form.model.commitment : undefined;
  return (
    <div role="status" aria-live="polite" data-testid="model-status" style={{ marginTop: "0.75rem" }}>
      {form.uploadError ? (
        <span className="error-text">{form.uploadError}</span>
      ) : form.specError ? (
        <span className="error-text">{form.specError}</span>
      ) : Object.keys(form.specErrors).length > 0 ? (
        <span className="hint">The commitment follows once the model fields are valid.</span>
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

/** The task's name and description: in the spec (so in the commitment), shown in the task list and on its page. */
function AboutFields({ form }: { form: TaskFormState }) {
  const { fields, setField: setF, specErrors } = form;
  return (
    <fieldset className="panel">
      <legend>About the task</legend>
      <InputField
        id={fieldId("name")}
        label={FIELD_LABELS.name}
        hint={`Shown in the task list and on its page, e.g. "Breast cancer screening, 3 hospitals" (up to ${SPEC_LIMITS.name} characters).`}
        error={specErrors.name}
        value={fields.name}
        onChange={(e) => setF("name")(e.target.value)}
      />
      <Field
        id={fieldId("description")}
        label={FIELD_LABELS.description}
        hint={`What the model is for and what data each participant brings (up to ${SPEC_LIMITS.description} characters). Both are part of the model's commitment: fixed once the task is created.`}
        error={specErrors.description}
      >
        {(p) => (
          <textarea {...p} rows={3} value={fields.description} onChange={(e) => setF("description")(e.target.value)} />
        )}
      </Field>
    </fieldset>
  );
}

/** The model spec, typed (architecture, shape, classes, hidden sizes, seed) or uploaded as JSON. */
function ModelFields({ form }: { form: TaskFormState }) {
  const { fields, setField: setF, specErrors } = form;
  const input = (key: "inputShape" | "numClasses" | "seed" | "frozenLayers") => ({
    id: fieldId(key),
    label: FIELD_LABELS[key],
    error: specErrors[key],
    value: fields[key],
  });
  return (
    <fieldset className="panel">
      <legend>Model</legend>
      <div className="grid">
        <Field id={fieldId("kind")} label={FIELD_LABELS.kind}>
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
          {...input("inputShape")}
          hint="Values in one sample: e.g. 30 columns, or 28, 28, 1 for images"
          onChange={(e) => setF("inputShape")(e.target.value)}
        />
        <NumberField
          {...input("numClasses")}
          hint="Categories the model tells apart"
          min={2}
          onChange={setF("numClasses")}
        />
        <InputField
          id={fieldId("hidden")}
          label={FIELD_LABELS.hidden}
          hint={hiddenSizesHint(fields.kind) ?? "none: this architecture's layout is fixed"}
          error={hiddenSizesHint(fields.kind) ? specErrors.hidden : undefined}
          value={hiddenSizesHint(fields.kind) ? fields.hidden : ""}
          onChange={(e) => setF("hidden")(e.target.value)}
          disabled={!hiddenSizesHint(fields.kind)}
        />
        <NumberField
          {...input("seed")}
          hint="Fixes the initial weights, so every participant builds the same model"
          min={0}
          onChange={setF("seed")}
        />
        <NumberField
          {...input("frozenLayers")}
          hint="Partial training: the first n layers with weights keep their initial values, so nobody trains or sends them (blank: every layer trains)"
          min={0}
          onChange={setF("frozenLayers")}
        />
        <JsonFileField
          label="Or upload an architecture JSON"
          hint='{"kind", "inputShape", "numClasses", "hidden"?, "seed", "frozenLayers"?, "initialWeights"?, "name"?, "description"?}'
          onLoad={form.upload}
          onError={form.setUploadError}
        />
        <InitialWeightsField form={form} />
      </div>
      <ModelStatus form={form} />
    </fieldset>
  );
}

/**
 * Published initial weights: a model file the task starts from instead of the spec's seed (fine-tuning a
 * trained model, with Frozen layers for a body nobody trains), as `fl:create-task --initial-weights` takes it.
 */
function InitialWeightsField({ form }: { form: TaskFormState }) {
  const { file, requiredBy, error } = form.initial;
  const hint = file ? (
    <>
      Starting from <code>{file.name}</code> ({formatInt(file.weights.length)} values), not the seed. Participants load
      the same model: after creating the task, download it from its Global model panel (&quot;Download the model file
      for nodes&quot;) and hand it to them.
    </>
  ) : requiredBy ? (
    <>
      <code>{requiredBy}</code> starts from published weights: load the model file it starts from.
    </>
  ) : (
    'Optional: a model file (JSON with a "weights" list, e.g. a task\'s downloaded model) to start from instead of the seed'
  );
  return (
    <div>
      <JsonFileField
        label="Initial weights (model file)"
        hint={hint}
        error={error}
        onLoad={form.loadInitialWeights}
        onError={form.setInitialError}
      />
      {(file || requiredBy) && (
        <button type="button" className="secondary" onClick={form.clearInitialWeights}>
          Start from the seed instead
        </button>
      )}
    </div>
  );
}

/** The codec inputs (CODEC_FIELDS), their hints naming what the planner chose for blank ones, errors beside them. */
function CodecFields({ form }: { form: TaskFormState }) {
  return (
    <fieldset className="panel">
      <legend>Codec</legend>
      <p className="hint">
        How each update is rounded and packed into <Term id="words">encrypted words</Term>; the defaults suit most
        tasks, and the cost preview follows every change.
      </p>
      <div className="grid">
        {CODEC_FIELDS.map(({ key, hint, ...f }) => (
          <NumberField
            key={key}
            {...f}
            id={fieldId(key)}
            label={FIELD_LABELS[key]}
            hint={hint(form.draft.codec)}
            error={form.draft.fieldErrors[key]}
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
  const errors = form.draft.fieldErrors;
  return (
    <div className="grid">
      {COHORT_FIELDS.map(({ key, ...f }) => (
        <NumberField
          key={key}
          {...f}
          id={fieldId(key)}
          label={FIELD_LABELS[key]}
          error={errors[key]}
          value={cohort[key]}
          onChange={setK(key)}
        />
      ))}
      <div className="field">
        <NumberField
          id={fieldId("duration")}
          label={FIELD_LABELS.duration}
          hint="How long participants have to send their update; at most a year"
          error={errors.duration}
          min={0}
          step="any"
          value={cohort.duration}
          onChange={setK("duration")}
        />
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
      <Field
        id={fieldId("participants")}
        label={FIELD_LABELS.participants}
        hint={`Their wallet addresses, one per line or separated by spaces or commas: ${form.draft.participants.length} valid so far.`}
        error={form.draft.fieldErrors.participants}
      >
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
      <CohortGrid form={form} />
      <fieldset className="plain">
        <legend>Decryption policy</legend>
        <p className="hint">{explain("policy")}</p>
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

/** Every problem that blocks creation: each field's as a link to it (it is also shown beside the field), then the rest. */
function ErrorSummary({ form }: { form: TaskFormState }) {
  const byField = [...Object.entries(form.specErrors), ...Object.entries(form.draft.fieldErrors)] as [
    keyof typeof FIELD_LABELS,
    string,
  ][];
  const general = form.draft.errors;
  if (byField.length === 0 && general.length === 0) return null;
  const jump = (key: keyof typeof FIELD_LABELS) => (e: MouseEvent<HTMLAnchorElement>) => {
    const target = document.getElementById(fieldId(key));
    if (!target) return;
    // Focus moves the reader to the input (and scrolls it into view), where the fragment alone would not.
    e.preventDefault();
    target.focus();
  };
  return (
    <div role="alert" className="error-summary" data-testid="form-errors">
      <p>Before the task can be created:</p>
      <ul className="error-text">
        {byField.map(([key, message]) => (
          <li key={key}>
            <a href={`#${fieldId(key)}`} onClick={jump(key)}>
              {FIELD_LABELS[key]}
            </a>
            : {message}
          </li>
        ))}
        {general.map((e) => (
          <li key={e}>{e}</li>
        ))}
      </ul>
    </div>
  );
}

/** The form's problems and warnings, the submit button, the transaction and the created task's link. */
function CreatePanel({
  form,
  canCreate,
  walletReady,
  tx,
  created,
}: {
  form: TaskFormState;
  canCreate: boolean;
  walletReady: boolean;
  tx: TxRunner;
  created: bigint | undefined;
}) {
  const { warnings } = form.draft;
  return (
    <section className="panel" aria-labelledby="create-heading">
      <h2 id="create-heading">Create</h2>
      <ErrorSummary form={form} />
      {warnings.length > 0 && (
        <ul className="warning-text">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <button type="submit" disabled={!canCreate || tx.busy}>
        Create task
      </button>
      {!walletReady && <p className="hint">Connect a wallet on the aggregator&apos;s chain to create the task.</p>}
      <TxStatus state={tx.state} onDismiss={tx.reset} />
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
    const published = form.initial.file;
    if (commitment.spec.initialWeights === "published" && published) {
      // Kept before the transaction: the task's pages find its initial model here (nothing can rebuild it).
      await browserModelStore().putModel({
        commitment: commitment.modelHash,
        spec: commitment.spec,
        weights: published.weights,
        savedAt: Date.now(),
      });
    }
    const basis = form.publicRecords.basis;
    const digest = commitment.spec.encoding?.basis;
    if (basis && digest !== undefined && digest === basis.encoding.basis) {
      // Kept before the transaction too: this browser's pages decode the task's rounds with it.
      await browserModelStore().putInputBasis({ digest, ...basis.inputBasis, savedAt: Date.now() });
    }
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
      <p className="lead">
        Name the task, describe the model, choose how updates are protected and who takes part; the cost preview follows
        every change. Each field says what it means; the <Link href="/glossary">glossary</Link> has every word.
      </p>
      <div className="two-col">
        <div>
          <AboutFields form={form} />
          <ModelFields form={form} />
          <EncodingFields
            choice={form.choice}
            onChange={form.setChoice}
            error={form.encodingError}
            publicRecords={form.publicRecords}
          />
          <CodecFields form={form} />
          <ParticipantsFields form={form} />
          <PrivacyFields text={form.privacyText} onChange={form.setPrivacy} draft={form.privacy} />
        </div>
        <div>
          <CostPanel form={form} />
          <CreatePanel
            form={form}
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
