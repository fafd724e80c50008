"use client";

import { useMemo, useState } from "react";
import { parseModelSpec, type ModelSpec } from "../../../client/src/protocol/modelSpec";
import { taskEncoding } from "../../../client/src/node/encoding";
import {
  DEFAULT_ENCODING_CHOICE,
  choiceOf,
  encodingOf,
  followDefaults,
  specWithEncoding,
  type EncodingChoice,
} from "../encodingChoice";
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
  type SpecFields,
  type TaskDraft,
} from "../taskForm";
import { useModelCommitment, type CommitmentState } from "./useModelCommitment";

export interface TaskFormState {
  fields: SpecFields;
  setField: (key: keyof SpecFields) => (value: string) => void;
  text: FormText;
  setCodec: (key: keyof CodecText) => (value: string) => void;
  setCohort: (key: keyof CohortText) => (value: string) => void;
  setText: (patch: Partial<Pick<FormText, "unit" | "policy" | "participants">>) => void;
  choice: EncodingChoice;
  setChoice: (patch: Partial<EncodingChoice>) => void;
  /** An uploaded architecture JSON: fills the model inputs and the encoding, or reports the problem. */
  upload: (json: unknown, fileName: string) => void;
  uploadError?: string;
  setUploadError: (message: string | undefined) => void;
  /** The spec createTask commits to (with the encoding); undefined while the inputs are invalid. */
  spec?: ModelSpec;
  /** What is wrong with the model inputs. */
  specError?: string;
  /** What is wrong with the encoding, alone or for this model. */
  encodingError?: string;
  model: CommitmentState;
  draft: TaskDraft;
}

/**
 * The create-task form's state and everything derived from it: the spec with the chosen encoding (as
 * fl:create-task builds it), its commitment from /api/model, and the draft with the task's encoding.
 */
export function useTaskForm(): TaskFormState {
  const [fields, setFields] = useState<SpecFields>(INITIAL_SPEC_FIELDS);
  const [text, setFormText] = useState<FormText>(initialFormText);
  const [choice, setChoiceState] = useState<EncodingChoice>(DEFAULT_ENCODING_CHOICE);
  const [uploadError, setUploadError] = useState<string>();

  const base = useMemo(() => specOf(fields), [fields]);
  const chosen = useMemo(() => encodingOf(choice), [choice]);
  const withEncoding = useMemo(
    () => (base.spec && !chosen.error ? specWithEncoding(base.spec, chosen.encoding) : {}),
    [base.spec, chosen],
  );
  const spec = withEncoding.spec;
  const model = useModelCommitment(spec);
  // Only the current spec's model counts (the commitment hook answers for the spec it was given).
  const paramCount = spec && model.status === "ready" ? model.commitment.paramCount : undefined;
  // The encoding the nodes will build for this spec and model size (its paramCount is the chain's).
  const built = useMemo(() => {
    if (!spec || paramCount === undefined) return {};
    try {
      return { encoding: taskEncoding(spec, paramCount) };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }, [spec, paramCount]);

  const setChoice = (patch: Partial<EncodingChoice>) => {
    const next = { ...choice, ...patch };
    setFormText({ ...text, codec: followDefaults(text.codec, choice.kind, next.kind) });
    setChoiceState(next);
  };

  return {
    fields,
    setField: (key) => (value) => setFields({ ...fields, [key]: value }),
    text,
    setCodec: (key) => (value) => setFormText({ ...text, codec: { ...text.codec, [key]: value } }),
    setCohort: (key) => (value) => setFormText({ ...text, cohort: { ...text.cohort, [key]: value } }),
    setText: (patch) => setFormText({ ...text, ...patch }),
    choice,
    setChoice,
    upload: (json, fileName) => {
      try {
        const value = parseModelSpec(json);
        setFields(fieldsOf(value));
        setChoice(choiceOf(value.encoding));
        setUploadError(undefined);
      } catch (e) {
        setUploadError(`${fileName}: ${(e as Error).message}`);
      }
    },
    uploadError,
    setUploadError,
    spec,
    specError: base.error,
    encodingError: chosen.error ?? withEncoding.error ?? built.error,
    model,
    // A model the encoding cannot be built for gets no plan (and so no create button).
    draft: draftTask(readForm(text), built.error ? undefined : paramCount, built.encoding),
  };
}
