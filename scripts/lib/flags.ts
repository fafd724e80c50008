/** Commander parsers for the scripts' numeric flags, with the rules and messages of client/src/util/numbers. */
import { InvalidArgumentError } from "commander";
import { INTEGER_AT_LEAST_1, POSITIVE, parseNumber, type NumberRule } from "../../client/src/util/numbers";

/** A flag that must keep `rule` ("--lr must be a number > 0, got "abc""). */
export function numberFlag(name: string, rule: NumberRule) {
  return (value: string) => {
    try {
      return parseNumber(name, value, rule);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

/** A positive integer flag, or with `integer` false any number > 0. */
export function positive(name: string, integer = true) {
  return numberFlag(name, integer ? INTEGER_AT_LEAST_1 : POSITIVE);
}
