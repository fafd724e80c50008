import type { CLIArgumentType } from "hardhat/types";
import {
  INTEGER_AT_LEAST_0,
  INTEGER_AT_LEAST_1,
  POSITIVE,
  describeRule,
  parseNumber,
  ruleProblem,
  type NumberRule,
} from "../../client/src/util/numbers";

/**
 * A task parameter that did not parse, kept as a value so that `guarded` reports it as one line
 * ("error: --lr must be a number > 0, got "abc"") like any other bad input: Hardhat's own types
 * throw HH301, which it prints with a stack trace on a Linux machine without a display.
 */
export class InvalidArgument {
  constructor(readonly message: string) {}
}

/** `batchSize` -> `--batch-size`: the flag as the user typed it. */
export const flagName = (param: string) => `--${param.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** A numeric Hardhat task parameter checked against `rule`. */
export function numberArg(rule: NumberRule): CLIArgumentType<number> {
  return {
    // Shown (upper-cased) in --help: "INT>=1", "NUMBER>0".
    name: describeRule(rule)
      .replace(/^an? /, "")
      .replace("integer", "int")
      .replace(/ (>=|>|<=) /g, "$1")
      .replace(" and ", ","),
    parse: (param, text) => {
      try {
        return parseNumber(flagName(param), text, rule);
      } catch (error) {
        return new InvalidArgument((error as Error).message) as unknown as number;
      }
    },
    // Programmatic runs (hre.run) pass numbers: the same rule applies.
    validate: (param, value: unknown) => {
      if (value instanceof InvalidArgument || value === undefined) return;
      const problem = ruleProblem(Number(value), rule);
      if (problem) throw new Error(`${flagName(param)} ${problem}`);
    },
  };
}

export const argTypes = {
  /** Any integer: for settings whose range the task planner checks (one home for those rules). */
  integer: numberArg({ integer: true }),
  /** Any finite number, ranges likewise checked by the planner. */
  number: numberArg({}),
  /** Task ids, round numbers, counts of at least one. */
  count: numberArg(INTEGER_AT_LEAST_1),
  /** Seeds, indices, caps where 0 means "none". */
  natural: numberArg(INTEGER_AT_LEAST_0),
  positive: numberArg(POSITIVE),
  rule: numberArg,
};

/** Throws the first parameter that did not parse (see InvalidArgument). */
export function checkArguments(args: unknown): void {
  for (const value of Object.values(args as Record<string, unknown>)) {
    if (value instanceof InvalidArgument) throw new Error(value.message);
  }
}
