/**
 * Protocol helpers of the browser e2e suite (participants submit through the client library, as their
 * nodes do), the plaintext averages the page's decryption must match, and small page readers.
 */
import { readFileSync } from "node:fs";
import type { TransactionReceipt } from "ethers";
import type { Page } from "playwright-core";
import { chunkParams, chunkWords, dequantize, encodeUpdate, quantStep, quantize } from "../../../client/src/codec";
import type { Layout } from "../../../client/src/codec/layout";
import { submitUpdate } from "../../../client/src/chain/submit";
import { chunkGasLimit } from "../../../client/src/protocol/prices";
import { encryptWords } from "../../../client/src/fhe/encrypt";
import type { FhevmConnection } from "../../../client/src/fhe/instance";
import { mulberry32 } from "../../../client/src/util/random";
import type { FLuFHEAggregator } from "../../../types";
import { assert } from "./harness";

export const UI_TIMEOUT = 60_000;

export function randomDelta(n: number, seed: number, range: number): Float64Array {
  const random = mulberry32(seed);
  return Float64Array.from({ length: n }, () => (random() * 2 - 1) * range);
}

/**
 * Plaintext average, per chunk over the participants that submitted that chunk, of the clipped deltas
 * or (`quantized`) of what each participant's b-bit codes stand for. The decrypted aggregate must equal
 * the latter up to float rounding, and the former within one quantization step.
 */
function expectedMean(layout: Layout, deltas: Float64Array[], chunksOf: number[][], quantized: boolean): Float64Array {
  const values = deltas.map((d) => {
    const clipped = d.map((x) => Math.min(Math.max(x, -layout.clip), layout.clip));
    return quantized
      ? dequantize(quantize(clipped, layout.clip, layout.valueBits), layout.clip, layout.valueBits)
      : clipped;
  });
  const out = new Float64Array(layout.paramCount);
  for (let c = 0; c < layout.chunkCount; c++) {
    const { first, count } = chunkParams(layout, c);
    const who = values.filter((_, p) => chunksOf[p].includes(c));
    for (let i = first; i < first + count; i++) out[i] = who.reduce((sum, v) => sum + v[i], 0) / who.length;
  }
  return out;
}

export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert(a.length === b.length, `lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Checks a decrypted aggregate against both plaintext averages; returns the error to the raw one. */
export function checkAverage(
  layout: Layout,
  got: ArrayLike<number>,
  deltas: Float64Array[],
  chunksOf: number[][],
): number {
  const n = got.length;
  const exact = maxDiff(got, expectedMean(layout, deltas, chunksOf, true).subarray(0, n));
  assert(exact <= 1e-9, `aggregate differs from the average of the quantized updates by ${exact}`);
  const raw = maxDiff(got, expectedMean(layout, deltas, chunksOf, false).subarray(0, n));
  const step = quantStep(layout.clip, layout.valueBits);
  assert(raw <= step, `aggregate differs from the plaintext average by ${raw} (> one step, ${step})`);
  return raw;
}

/** Submits the given chunks of a participant's update; returns the receipts. */
export async function submitChunks(
  aggregator: FLuFHEAggregator,
  fhevm: FhevmConnection,
  taskId: bigint,
  layout: Layout,
  delta: Float64Array,
  chunks: number[],
): Promise<TransactionReceipt[]> {
  const encoded = encodeUpdate(delta, layout);
  if (chunks.length === layout.chunkCount) {
    return submitUpdate({ aggregator, instance: fhevm.instance, taskId, round: 1, chunks: encoded, layout });
  }
  const user = await (aggregator.runner as unknown as { getAddress(): Promise<string> }).getAddress();
  const receipts: TransactionReceipt[] = [];
  for (const c of chunks) {
    const e = await encryptWords(fhevm.instance, await aggregator.getAddress(), user, encoded[c]);
    const tx = await aggregator.submitChunk(taskId, 1, c, e.handles, e.proofs, {
      gasLimit: chunkGasLimit(chunkWords(layout, c).count),
    });
    receipts.push((await tx.wait())!);
  }
  return receipts;
}

export async function text(p: Page, selector: string): Promise<string> {
  return (await p.locator(selector).first().textContent({ timeout: UI_TIMEOUT })) ?? "";
}

export async function shownValues(p: Page): Promise<number[]> {
  const cells = p.locator('[data-testid^="value-"]');
  const n = await cells.count();
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Number(await cells.nth(i).getAttribute("data-value")));
  return out;
}

export async function downloadJson(p: Page): Promise<{ averagedDelta: number[]; round: number; taskId: string }> {
  const [download] = await Promise.all([
    p.waitForEvent("download", { timeout: UI_TIMEOUT }),
    p.getByRole("button", { name: "Download as JSON" }).click(),
  ]);
  const file = await download.path();
  return JSON.parse(readFileSync(file, "utf8"));
}
