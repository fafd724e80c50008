/** The update codec: quantize, pack into lanes, decode aggregates. Pure: no I/O, chain or tfjs. */
export { CodecError } from "./errors";
export * from "./layout";
export * from "./lanes";
export * from "./quantize";
export * from "./update";
