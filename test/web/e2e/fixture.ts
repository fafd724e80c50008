/**
 * What a browser e2e suite registers with vitest: the web stack (stack.ts) started in beforeAll and
 * stopped in afterAll (as useDevnet in test/integration/helpers.ts), and its steps, one `it` each.
 */
import { afterAll, beforeAll, it } from "vitest";
import { runStep, type StepOptions } from "./harness";
import { WebStack, type WebStackOptions } from "./stack";

/**
 * The web stack for one describe block: its parts are there from beforeAll on; afterAll stops every one
 * of them by PID (also when a step or beforeAll failed) and removes its directory.
 */
export function useWebStack(options: WebStackOptions): WebStack {
  const stack = new WebStack(options);
  beforeAll(() => stack.start());
  afterAll(() => stack.stop());
  return stack;
}

export interface Stepper {
  /** Registers a step (call inside a `describe.sequential`). */
  step(name: string, fn: () => Promise<void>, options?: { required?: boolean }): void;
}

/**
 * Steps: one `it` each, in order, each within its own deadline. A failed required step skips the rest;
 * every failure leaves a screenshot and the page's error text under results/e2e-failures/<timestamp>/.
 */
export function stepper(options: StepOptions): Stepper {
  let blockedBy: string | undefined;
  let count = 0;
  return {
    step(name, fn, { required = false } = {}) {
      const index = ++count;
      it(name, async (ctx) => {
        if (blockedBy) ctx.skip(`not run: the required step "${blockedBy}" failed`);
        try {
          await runStep(index, name, fn, options);
        } catch (error) {
          if (required) blockedBy = name;
          throw error;
        }
      });
    },
  };
}
