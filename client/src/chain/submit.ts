import type { ContractTransactionReceipt } from "ethers";
import { chunkWords, type Layout } from "../codec/layout";
import { chunkGasLimit } from "../protocol/prices";
import { encryptWords } from "../fhe/encrypt";
import type { FheInstance } from "../fhe/instance";
import type { FLuFHEAggregator } from "../../../types";
import { signerAddress } from "./aggregate";
import { transact } from "./transact";

export interface SubmitProgress {
  chunk: number;
  skipped: boolean;
  receipt?: ContractTransactionReceipt;
  encryptMs?: number;
  submitMs?: number;
}

/**
 * Encrypts and submits every chunk of an encoded update that the chain does not already hold for
 * this participant, so a restarted client never submits a chunk twice.
 */
export async function submitUpdate(args: {
  aggregator: FLuFHEAggregator;
  instance: FheInstance;
  taskId: bigint;
  round: number;
  chunks: bigint[][];
  layout: Layout;
  onChunk?: (p: SubmitProgress) => void;
  /** A chunk's transaction was sent (the wallet signed it) and awaits confirmation. */
  onSent?: (chunk: number, hash: string) => void;
}): Promise<ContractTransactionReceipt[]> {
  const { aggregator, instance, taskId, round, chunks, layout } = args;
  const contract = await aggregator.getAddress();
  const user = await signerAddress(aggregator, "submit an update");
  const done = await aggregator.submittedChunks(taskId, round, user);
  const receipts: ContractTransactionReceipt[] = [];
  for (let c = 0; c < layout.chunkCount; c++) {
    if (done[c]) {
      args.onChunk?.({ chunk: c, skipped: true });
      continue;
    }
    const { count } = chunkWords(layout, c);
    const t0 = performance.now();
    const encrypted = await encryptWords(instance, contract, user, chunks[c]);
    const t1 = performance.now();
    const receipt = await transact(
      aggregator,
      { fn: "submitChunk", taskId, round, chunk: c },
      [taskId, round, c, encrypted.handles, encrypted.proofs],
      { gasLimit: chunkGasLimit(count) },
      (hash) => args.onSent?.(c, hash),
    );
    receipts.push(receipt);
    args.onChunk?.({ chunk: c, skipped: false, receipt, encryptMs: t1 - t0, submitMs: performance.now() - t1 });
  }
  return receipts;
}
