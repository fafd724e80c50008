/** The update codec: quantize, pack into lanes, decode aggregates, and the pluggable encodings. Pure: no I/O, chain or tfjs. */
export { CodecError } from "./errors";
export * from "./layout";
export * from "./lanes";
export * from "./quantize";
export * from "./update";
export * from "./encoding";
export * from "./frame";
export * from "./sharedSeed";
export * from "./stochastic";
export * from "./transforms";
export * from "./lowRank";
