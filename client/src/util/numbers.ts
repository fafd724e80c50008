/**
 * Numbers typed by a person (command-line flags, Hardhat task parameters, form fields), checked
 * against one rule each, with one way of saying what was wrong. No I/O: the CLI, the Hardhat tasks
 * and the web forms share it.
 */
export interface NumberRule {
  integer?: boolean;
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** The value must be strictly greater than this. */
  above?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
}

export const INTEGER_AT_LEAST_0: NumberRule = { integer: true, min: 0 };
export const INTEGER_AT_LEAST_1: NumberRule = { integer: true, min: 1 };
export const POSITIVE: NumberRule = { above: 0 };

/** "an integer >= 1", "a number > 0". */
export function describeRule(rule: NumberRule): string {
  const bounds = [
    rule.min !== undefined ? `>= ${rule.min}` : "",
    rule.above !== undefined ? `> ${rule.above}` : "",
    rule.max !== undefined ? `<= ${rule.max}` : "",
  ].filter(Boolean);
  return `${rule.integer ? "an integer" : "a number"}${bounds.length ? " " + bounds.join(" and ") : ""}`;
}

/** Why `value` breaks `rule` ("must be an integer >= 1, got 0"), or undefined when it does not. */
export function ruleProblem(value: number, rule: NumberRule, text: string = String(value)): string | undefined {
  const ok =
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.above === undefined || value > rule.above) &&
    (rule.max === undefined || value <= rule.max);
  return ok ? undefined : `must be ${describeRule(rule)}, got ${JSON.stringify(text)}`;
}

/** Parses `text` as a number that keeps `rule`; otherwise throws "<name> must be ..., got ...". */
export function parseNumber(name: string, text: string, rule: NumberRule): number {
  const trimmed = text.trim();
  const value = trimmed === "" ? NaN : Number(trimmed);
  const problem = ruleProblem(value, rule, text);
  if (problem) throw new Error(`${name} ${problem}`);
  return value;
}
