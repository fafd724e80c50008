/** Raised for invalid codec settings or inputs; the message says what is wrong and how to fix it. */
export class CodecError extends Error {
  override readonly name = "CodecError";
}

export function assertInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new CodecError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}
