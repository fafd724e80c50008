import type { Step, StepStatus } from "../progress";

const MARK: Record<StepStatus, string> = { todo: "○", active: "…", done: "✓", skipped: "–", failed: "✗" };
const SPOKEN: Record<StepStatus, string> = {
  todo: "to do",
  active: "in progress",
  done: "done",
  skipped: "not needed",
  failed: "failed",
};

/** A multi-step flow's progress; the list is a polite live region so screen readers hear each step. */
export function StepList({ steps, label }: { steps: Step[]; label: string }) {
  return (
    <ol className="steps" aria-label={label} aria-live="polite">
      {steps.map((s, i) => (
        <li
          key={i}
          data-status={s.status}
          className={s.status === "failed" ? "error-text" : s.status === "done" ? "ok-text" : undefined}
        >
          <span aria-hidden="true">{MARK[s.status]} </span>
          <span className="visually-hidden">{SPOKEN[s.status]}: </span>
          {s.label}
          {s.detail && <span className="hint"> — {s.detail}</span>}
        </li>
      ))}
    </ol>
  );
}
