"use client";

import { useCallback, useState } from "react";
import { aggregatorInterface } from "../chain";
import { describeError, type Failure } from "../errors";
import { withStep, type Flow, type Step, type StepReporter } from "../progress";

/** A flow's steps as shown, whether it runs, and why it failed (the failing step also says so). */
export interface FlowRunner {
  steps: Step[];
  running: boolean;
  failure?: Failure;
  /** Runs `flow` from its first step; resolves with its result, or undefined when it failed. */
  start<T>(flow: Flow<T>): Promise<T | undefined>;
}

export function useFlow(): FlowRunner {
  const [steps, setSteps] = useState<Step[]>([]);
  const [running, setRunning] = useState(false);
  const [failure, setFailure] = useState<Failure>();
  const start = useCallback(async <T>(flow: Flow<T>): Promise<T | undefined> => {
    let current = -1;
    setSteps(flow.labels.map((label) => ({ label, status: "todo" })));
    setFailure(undefined);
    setRunning(true);
    const report: StepReporter = (i, status, detail) => {
      if (status === "active") current = i;
      setSteps((s) => withStep(s, i, status, detail));
    };
    try {
      return await flow.run(report);
    } catch (error) {
      const f = describeError(error, aggregatorInterface);
      if (current >= 0) setSteps((s) => withStep(s, current, "failed", f.message));
      setFailure(f);
      return undefined;
    } finally {
      setRunning(false);
    }
  }, []);
  return { steps, running, failure, start };
}
