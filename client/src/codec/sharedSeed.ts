/**
 * Shared randomness from public round data: every participant and every decoder derives the same
 * seed for a round from what the chain already holds (the task id, the round number and the round's
 * globalModelHash commitment), so nobody has to trust a coordinator for it. Also the seeded stream
 * (xoshiro128**) the compressions draw their maps from. Pure: no I/O.
 */
import { solidityPackedKeccak256 } from "ethers";
import { CodecError } from "./errors";

/** What every party of a round agrees on, all of it on chain (getRound(task, round).globalModelHash). */
export interface RoundContext {
  taskId: bigint;
  round: number;
  /** The bytes32 commitment of the global model the round opened with. */
  globalModelHash: string;
  /**
   * W_round - W_(round-1): what the previous round changed in the global model, from two models whose
   * commitments are on chain (absent in round 1). Only encodings that track it need it (lowrank).
   */
  modelChange?: ArrayLike<number>;
  /**
   * W_round: the model whose commitment is globalModelHash. Only lowrank's downstream start reads it,
   * in round 1 (its first factors follow the model's kernels).
   */
  model?: ArrayLike<number>;
}

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

const DOMAIN = "flufhe.encoding.v1";
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

function checkContext(ctx: RoundContext): void {
  if (typeof ctx.taskId !== "bigint" || ctx.taskId < 0n) throw new CodecError(`task id must be a bigint >= 0`);
  if (!Number.isSafeInteger(ctx.round) || ctx.round < 1) {
    throw new CodecError(`round must be a positive integer, got ${ctx.round}`);
  }
  if (!BYTES32.test(ctx.globalModelHash)) {
    throw new CodecError(`globalModelHash must be a bytes32 hex string, got ${ctx.globalModelHash}`);
  }
}

/** keccak256("flufhe.encoding.v1", taskId, round, globalModelHash): the round's shared seed (bytes32 hex). */
export function roundSeed(ctx: RoundContext): string {
  checkContext(ctx);
  return solidityPackedKeccak256(
    ["string", "uint256", "uint256", "bytes32"],
    [DOMAIN, ctx.taskId, ctx.round, ctx.globalModelHash],
  );
}

/** keccak256("flufhe.encoding.v1", taskId): a seed that stays the same for every round of a task. */
export function taskSeed(taskId: bigint): string {
  if (typeof taskId !== "bigint" || taskId < 0n) throw new CodecError(`task id must be a bigint >= 0`);
  return solidityPackedKeccak256(["string", "uint256"], [DOMAIN, taskId]);
}

/**
 * A deterministic stream of uniform numbers in [0, 1) from a bytes32 seed and a label (one stream per
 * purpose, so adding a purpose never shifts another's draws): xoshiro128** seeded with the first 128
 * bits of keccak256(seed, label). Identical on every machine (32-bit integer arithmetic only).
 */
export function seededStream(seed: string, label: string): Rng {
  if (!BYTES32.test(seed)) throw new CodecError(`seed must be a bytes32 hex string, got ${seed}`);
  const h = solidityPackedKeccak256(["bytes32", "string"], [seed, label]);
  const s = [0, 1, 2, 3].map((i) => parseInt(h.slice(2 + 8 * i, 10 + 8 * i), 16) >>> 0);
  if (!s.some((x) => x !== 0)) s[0] = 1; // the all-zero state is xoshiro's only fixed point
  return xoshiro128ss(s[0], s[1], s[2], s[3]);
}

/** xoshiro128** (Blackman and Vigna): one 32-bit output per draw, as a float in [0, 1). */
function xoshiro128ss(a: number, b: number, c: number, d: number): Rng {
  return () => {
    const t = b << 9;
    let r = Math.imul(b, 5);
    r = Math.imul((r << 7) | (r >>> 25), 9);
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
    return (r >>> 0) / 4294967296;
  };
}

/** A uniform integer in [0, n) (n < 2^32). */
export function randomBelow(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** RoundContext.modelChange from the round's model and the previous round's (exact: float32 differences fit a double). */
export function modelChange(previous: ArrayLike<number>, current: ArrayLike<number>): Float64Array {
  if (previous.length !== current.length) {
    throw new CodecError(`the previous round's model has ${previous.length} values, this round's ${current.length}`);
  }
  return Float64Array.from(current, (w, i) => w - previous[i]);
}
