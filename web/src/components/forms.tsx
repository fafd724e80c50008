"use client";

import { useId, type InputHTMLAttributes, type ReactNode } from "react";

/** What a control gets from its Field: its id, what describes it, and whether it is invalid. */
export interface ControlProps {
  id: string;
  "aria-describedby"?: string;
  "aria-invalid"?: true;
}

/**
 * A labelled control with an optional hint and error, wired with htmlFor and aria-describedby; the error
 * sits right under the control, which is marked invalid while it stands. `id` fixes the control's id (an
 * error summary links to it).
 */
export function Field({
  label,
  hint,
  error,
  id: fixedId,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  id?: string;
  children: (props: ControlProps) => ReactNode;
}) {
  const autoId = useId();
  const id = fixedId ?? autoId;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, "aria-describedby": describedBy, "aria-invalid": error ? true : undefined })}
      {error && (
        <span id={errorId} className="error-text field-error">
          {error}
        </span>
      )}
      {hint && (
        <span id={hintId} className="hint">
          {hint}
        </span>
      )}
    </div>
  );
}

/** A labelled <input>: every other prop goes to the input. */
export function InputField({
  label,
  hint,
  error,
  id,
  ...input
}: { label: string; hint?: ReactNode; error?: string; id?: string } & Omit<
  InputHTMLAttributes<HTMLInputElement>,
  "id"
>) {
  return (
    <Field label={label} hint={hint} error={error} id={id}>
      {(p) => <input {...input} {...p} />}
    </Field>
  );
}

/** A number input whose text is kept as typed (the form parses and validates it as a whole). */
export function NumberField({
  onChange,
  step,
  ...props
}: {
  label: string;
  hint?: ReactNode;
  error?: string;
  id?: string;
  value: string;
  onChange: (text: string) => void;
  min?: number;
  max?: number;
  step?: "any";
}) {
  return (
    <InputField
      {...props}
      type="number"
      inputMode={step ? "decimal" : "numeric"}
      step={step}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

/** A file input for a JSON document: hands over the parsed value, or the parse error with the file name. */
export function JsonFileField({
  onLoad,
  onError,
  ...props
}: {
  label: string;
  hint: ReactNode;
  error?: string;
  onLoad: (value: unknown, fileName: string) => void;
  onError: (message: string) => void;
}) {
  return (
    <InputField
      {...props}
      type="file"
      accept="application/json,.json"
      onChange={(e) => {
        const file = e.target.files?.[0];
        if (!file) return;
        file
          .text()
          .then((text) => onLoad(JSON.parse(text), file.name))
          .catch((error: unknown) => onError(`${file.name}: ${(error as Error).message}`));
      }}
    />
  );
}

/** A table's column headers; numeric columns are right-aligned. */
export function HeaderRow({ columns }: { columns: [label: string, numeric?: boolean][] }) {
  return (
    <thead>
      <tr>
        {columns.map(([label, numeric]) => (
          <th key={label} scope="col" className={numeric ? "num" : undefined}>
            {label}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** An error sentence announced at once (role=alert); nothing when there is none. */
export function ErrorAlert({ message, className = "error-text" }: { message?: string; className?: string }) {
  if (!message) return null;
  return (
    <span role="alert" className={className}>
      {message}
    </span>
  );
}
