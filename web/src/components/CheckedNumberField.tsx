"use client";

import { useId } from "react";

/**
 * A labelled number input with its explanation and, when the form finds one, its error beside it: both
 * read out with the input (aria-describedby), the input marked invalid while the error stands. The text
 * is kept as typed (the form parses and validates it as a whole).
 */
export function CheckedNumberField({
  label,
  hint,
  error,
  value,
  onChange,
  min,
  max,
  step,
}: {
  label: string;
  hint?: string;
  error?: string;
  value: string;
  onChange: (text: string) => void;
  min?: number;
  max?: number;
  step?: "any";
}) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode={step ? "decimal" : "numeric"}
        min={min}
        max={max}
        step={step}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby={describedBy || undefined}
        aria-invalid={error ? true : undefined}
      />
      {hint && (
        <span id={hintId} className="hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={errorId} className="error-text">
          {error}
        </span>
      )}
    </div>
  );
}
