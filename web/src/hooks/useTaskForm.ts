"use client";

import { useMemo, useState } from "react";
import { parseModelWeights } from "../../../client/src/protocol/initialWeights";
import { parseModelSpec, type ModelSpec } from "../../../client/src/protocol/modelSpec";
import { browserTaskEncoding } from "../modelSpec";
import {
  DEFAULT_ENCODING_CHOICE,
  choiceOf,
  encodingOf,
  followDefaults,
  followKindDefault,
  followParam,
  specWithEncoding,
  type EncodingChoice,
} from "../encodingChoice";
import { initialPrivacyText, privacySettled, privacyTextOf, type PrivacyDraft, type PrivacyText } from "../privacyForm";
import {
  INITIAL_SPEC_FIELDS,
  draftTask,
  fieldsOf,
  initialFormText,
  readForm,
  specOf,
  type CodecText,
  type CohortText,
  type FormText,
  type SpecErrors,
  type SpecFields,
  type TaskDraft,
} from "../taskForm";
import { publicBasis, type PublicBasis, type PublicRecords } from "../publicRecords";
import { readLocalFiles } from "../participate/localData";
import { useModelCommitment, type CommitmentState } from "./useModelCommitment";
import { usePrivacyDraft } from "./usePrivacyDraft";

export interface TaskFormState {
  fields: SpecFields;
  setField: (key: keyof SpecFields) => (value: string) => void;
  text: FormText;
  setCodec: (key: keyof CodecText) => (value: string) => void;
  setCohort: (key: keyof CohortText) => (value: string) => void;
  setText: (patch: Partial<Pick<FormText, "unit" | "policy" | "participants">>) => void;
  choice: EncodingChoice;
  setChoice: (patch: Partial<EncodingChoice>) => void;
  /** The differential-privacy inputs as typed. */
  privacyText: PrivacyText;
  setPrivacy: (patch: Partial<PrivacyText>) => void;
  /** The DP terms computed for the form's rounds (they go into the spec), or why there are none yet. */
  privacy: PrivacyDraft;
  /** An uploaded architecture JSON: fills the model inputs and the encoding, or reports the problem. */
  upload: (json: unknown, fileName: string) => void;
  uploadError?: string;
  setUploadError: (message: string | undefined) => void;
  /** The spec createTask commits to (with the encoding); undefined while the inputs are invalid. */
  spec?: ModelSpec;
  /** What is wrong with the model inputs, by input (shown beside it). */
  specErrors: SpecErrors;
  /** What is wrong with the model inputs that no single input is to blame for. */
  specError?: string;
  /** Why there is no spec while the model inputs are fine: the DP terms are not settled yet. */
  specWaiting?: string;
  /** What is wrong with the encoding, alone or for this model. */
  encodingError?: string;
  model: CommitmentState;
  draft: TaskDraft;
  /** Published initial weights: the model file the task starts from, and whether an uploaded spec asks for one. */
  initial: InitialWeights;
  /** A model file's weights (or the reason they cannot be read) become the task's start. */
  loadInitialWeights: (json: unknown, fileName: string) => void;
  setInitialError: (message: string | undefined) => void;
  /** Back to the spec's seeded initial weights. */
  clearInitialWeights: () => void;
  /** pca: the public records the input basis is computed from (as fl:create-task --public-data). */
  publicRecords: PublicRecordsState;
}

/** The create form's public records and the pca basis computed from them. */
export interface PublicRecordsState {
  records?: PublicRecords;
  /** Reads a picked file (the nodes' formats); a CSV then asks for its label column. */
  pick: (file: File) => void;
  setLabelColumn: (column: string) => void;
  /** The basis the spec commits to (pca with records that fit the model). */
  basis?: PublicBasis;
  /** Why the file could not be read. */
  error?: string;
}

/** Where the task's initial weights come from when not from the spec's seed. */
export interface InitialWeights {
  file?: { name: string; weights: Float32Array };
  /** The name of an uploaded spec that starts from published weights (a model file is then required). */
  requiredBy?: string;
  error?: string;
}

/** The spec starting from published weights when the owner loaded them or an uploaded spec asks for them. */
function withInitialWeights(spec: ModelSpec | undefined, initial: InitialWeights): ModelSpec | undefined {
  return spec && (initial.file || initial.requiredBy) ? { ...spec, initialWeights: "published" } : spec;
}

/** Why the spec waits for the DP terms, or undefined when it does not. */
function waitingFor(privacy: PrivacyDraft): string | undefined {
  if (privacy.status === "computing") return "Computing the differential-privacy terms…";
  if (privacy.status === "needs-rounds") return "The privacy terms, and so the commitment, need valid rounds.";
  if (privacy.status === "invalid") return "The commitment follows once the differential-privacy settings are valid.";
  return undefined;
}

/**
 * The create-task form's state and everything derived from it: the spec with the chosen encoding and DP
 * terms (as fl:create-task builds it), its commitment from /api/model, and the draft with the task's encoding.
 */
export function useTaskForm(): TaskFormState {
  const [fields, setFields] = useState<SpecFields>(INITIAL_SPEC_FIELDS);
  const [text, setFormText] = useState<FormText>(initialFormText);
  const [choice, setChoiceState] = useState<EncodingChoice>(DEFAULT_ENCODING_CHOICE);
  const [privacyText, setPrivacyText] = useState<PrivacyText>(initialPrivacyText);
  const [uploadError, setUploadError] = useState<string>();
  const [initial, setInitial] = useState<InitialWeights>({});
  const [records, setRecords] = useState<{ records?: PublicRecordsState["records"]; error?: string }>({});

  // The promise counts the task's rounds: changing them recomputes the terms, so the spec and commitment.
  const form = readForm(text);
  const privacy = usePrivacyDraft(privacyText, form.rounds);
  const terms = privacy.status === "ready" ? privacy.terms : undefined;
  const base = useMemo(() => specOf(fields, terms), [fields, terms]);
  const chosen = useMemo(() => encodingOf(choice), [choice]);
  // pca: the basis of the public records (the words rule's keep at the form's value bits when none is typed).
  const valueBits = Number(text.codec.valueBits) || undefined;
  const basis = useMemo((): { basis?: PublicBasis; error?: string } => {
    if (!base.spec || chosen.encoding?.kind !== "pca") return {};
    try {
      return { basis: publicBasis(base.spec, chosen.encoding, records.records, valueBits) };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }, [base.spec, chosen, records.records, valueBits]);
  const withEncoding = useMemo(() => {
    if (!base.spec || chosen.error || basis.error) return {};
    return specWithEncoding(base.spec, basis.basis?.encoding ?? chosen.encoding);
  }, [base.spec, chosen, basis]);
  // With DP on, no spec (so no commitment) until its terms are computed: never one without the promise.
  const spec = useMemo(
    () => (privacySettled(privacy) ? withInitialWeights(withEncoding.spec, initial) : undefined),
    [privacy, withEncoding.spec, initial],
  );
  const model = useModelCommitment(spec, initial.file?.weights);
  // Only the current spec's model counts (the commitment hook answers for the spec it was given).
  const paramCount = spec && model.status === "ready" ? model.commitment.paramCount : undefined;
  // The encoding the nodes will build for this spec and model size (its paramCount is the chain's).
  const built = useMemo(() => {
    if (!spec || paramCount === undefined) return {};
    try {
      return { encoding: browserTaskEncoding(spec, paramCount, { inputBasis: basis.basis?.inputBasis }) };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }, [spec, paramCount, basis]);

  const setChoice = (patch: Partial<EncodingChoice>) => {
    const next = { ...choice, ...patch };
    if (patch.kind !== undefined) next.param = patch.param ?? followParam(choice.param, choice.kind, next.kind);
    setFormText({ ...text, codec: followDefaults(text.codec, choice.kind, next.kind) });
    setChoiceState(next);
  };
  // A new model kind brings its default encoding, unless the owner picked one.
  const setField: TaskFormState["setField"] = (key) => (value) => {
    if (key === "kind") setChoice(followKindDefault(choice, fields.kind, value));
    setFields({ ...fields, [key]: value });
  };

  return {
    fields,
    setField,
    text,
    setCodec: (key) => (value) => setFormText({ ...text, codec: { ...text.codec, [key]: value } }),
    setCohort: (key) => (value) => setFormText({ ...text, cohort: { ...text.cohort, [key]: value } }),
    setText: (patch) => setFormText({ ...text, ...patch }),
    choice,
    setChoice,
    privacyText,
    setPrivacy: (patch) => setPrivacyText({ ...privacyText, ...patch }),
    privacy,
    upload: (json, fileName) => {
      try {
        const value = parseModelSpec(json);
        // A spec that starts from published weights needs their model file (Initial weights) before it commits.
        setInitial(value.initialWeights ? { ...initial, requiredBy: fileName } : { file: initial.file });
        setFields(fieldsOf(value));
        setChoice(choiceOf(value.encoding));
        // A spec's terms come back as its noise (same terms for the same rounds); a spec without DP leaves the inputs.
        if (value.privacy) setPrivacyText(privacyTextOf(value.privacy));
        setUploadError(undefined);
      } catch (e) {
        setUploadError(`${fileName}: ${(e as Error).message}`);
      }
    },
    uploadError,
    setUploadError,
    spec,
    specErrors: base.errors ?? {},
    specError: base.error && Object.keys(base.errors ?? {}).length === 0 ? base.error : undefined,
    specWaiting: base.spec ? waitingFor(privacy) : undefined,
    encodingError: chosen.error ?? basis.error ?? withEncoding.error ?? built.error,
    model,
    // A model the encoding cannot be built for gets no plan (and so no create button).
    draft: draftTask(form, built.error ? undefined : paramCount, built.encoding, privacy),
    initial,
    loadInitialWeights: (json, fileName) => {
      try {
        setInitial({
          ...initial,
          file: { name: fileName, weights: parseModelWeights(json, fileName) },
          error: undefined,
        });
      } catch (e) {
        setInitial({ ...initial, error: (e as Error).message });
      }
    },
    setInitialError: (error) => setInitial({ ...initial, error }),
    clearInitialWeights: () => setInitial({}),
    publicRecords: {
      ...records,
      basis: basis.basis,
      pick: (file) => {
        readLocalFiles([file]).then(
          (picked) => {
            // A CSV names its label column (none chosen yet unless one is called "label").
            const labelColumn = picked.columns?.includes("label") ? "label" : "";
            setRecords({ records: { picked, labelColumn } });
          },
          (e: unknown) => setRecords({ error: `${file.name}: ${(e as Error).message}` }),
        );
      },
      setLabelColumn: (labelColumn) => setRecords((r) => (r.records ? { records: { ...r.records, labelColumn } } : r)),
    },
  };
}
