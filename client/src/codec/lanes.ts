import type { Layout } from "./layout";

/** Packs lane values (each < 2^L) into one word: lane j occupies bits [j*L, (j+1)*L). */
export function packWord(lanes: ArrayLike<number | bigint>, layout: Pick<Layout, "laneBits" | "lanesPerWord">): bigint {
  if (lanes.length > layout.lanesPerWord) {
    throw new RangeError(`a word holds ${layout.lanesPerWord} lanes, got ${lanes.length}`);
  }
  const L = BigInt(layout.laneBits);
  const limit = 1n << L;
  let word = 0n;
  for (let j = lanes.length - 1; j >= 0; j--) {
    const v = BigInt(lanes[j]);
    if (v < 0n || v >= limit) throw new RangeError(`lane ${j} value ${v} does not fit in ${layout.laneBits} bits`);
    word = (word << L) | v;
  }
  return word;
}

/** Splits a word (e.g. a decrypted aggregate) into its k lane values of L bits each. */
export function unpackWord(word: bigint, layout: Pick<Layout, "laneBits" | "lanesPerWord">): bigint[] {
  const L = BigInt(layout.laneBits);
  const mask = (1n << L) - 1n;
  const lanes: bigint[] = [];
  for (let j = 0; j < layout.lanesPerWord; j++) lanes.push((word >> (BigInt(j) * L)) & mask);
  return lanes;
}
