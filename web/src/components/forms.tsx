"use client";

import { useId, type InputHTMLAttributes, type ReactNode } from "react";

/** A labelled control with an optional hint, wired with htmlFor and aria-describedby. */
export function Field({
  label,
  hint,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  children: (props: { id: string; "aria-describedby"?: string }) => ReactNode;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, "aria-describedby": hint ? `${id}-hint` : undefined })}
      {hint && (
        <span id={`${id}-hint`} className="hint">
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
  ...input
}: { label: string; hint?: string } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <Field label={label} hint={hint}>
      {(p) => <input {...p} {...input} />}
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
  hint?: string;
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
  hint: string;
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
