/** How the pages model long operations: a transaction's life, and the steps of a multi-step flow. */
import type { Failure } from "./errors";

/** A transaction's life in the page: waiting for the wallet, mined or not yet, or why it failed. */
export type TxState =
  | { phase: "idle" }
  | { phase: "wallet"; label: string }
  | { phase: "pending"; label: string; hash: string }
  | { phase: "confirmed"; label: string; hash: string; block: number; gasUsed: bigint }
  | { phase: "failed"; label: string; failure: Failure };

export type StepStatus = "todo" | "active" | "done" | "skipped" | "failed";

export interface Step {
  label: string;
  status: StepStatus;
  detail?: string;
}

/** Moves step `index` of a running flow to `status` (with an optional detail in words). */
export type StepReporter = (index: number, status: StepStatus, detail?: string) => void;

/** Immutable update of one step. */
export function withStep(steps: Step[], index: number, status: StepStatus, detail?: string): Step[] {
  return steps.map((s, i) => (i === index ? { ...s, status, detail: detail ?? s.detail } : s));
}

/** A multi-step flow: the labels of its steps, and the work, which reports on them as it goes. */
export interface Flow<T> {
  labels: string[];
  run(report: StepReporter): Promise<T>;
}
