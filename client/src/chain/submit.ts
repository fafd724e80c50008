import type { ContractTransactionReceipt } from "ethers";
import { WORDS_PER_PROOF, chunkWords, type Layout } from "../codec/layout";
import { chunkGasLimit } from "../protocol/prices";
import { inProcessEncryptor, type WordEncryptor } from "../fhe/encrypt";
import { encryptAhead } from "./encryptAhead";
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
 * this participant, so a restarted client never submits a chunk twice. With a parallel `encryptor`
 * (a worker pool) the next chunks are encrypted while earlier ones are being submitted; each chunk
 * is sent, in order, as soon as it is ready.
 */
export async function submitUpdate(args: {
  aggregator: FLuFHEAggregator;
  /** Encrypts on this thread, one input after the other, unless `encryptor` is given. */
  instance?: FheInstance;
  /** Encrypts elsewhere (worker threads, a browser Web Worker). */
  encryptor?: WordEncryptor;
  taskId: bigint;
  round: number;
  chunks: bigint[][];
  layout: Layout;
  onChunk?: (p: SubmitProgress) => void;
  /** A chunk's transaction was sent (the wallet signed it) and awaits confirmation. */
  onSent?: (chunk: number, hash: string) => void;
}): Promise<ContractTransactionReceipt[]> {
  const { aggregator, taskId, round, chunks, layout } = args;
  const encryptor = args.encryptor ?? (args.instance && inProcessEncryptor(args.instance));
  if (!encryptor) throw new Error("submitUpdate needs an fhEVM instance or an encryptor");
  const contract = await aggregator.getAddress();
  const user = await signerAddress(aggregator, "submit an update");
  const done = await aggregator.submittedChunks(taskId, round, user);
  const missing: number[] = [];
  for (let c = 0; c < layout.chunkCount; c++) {
    if (done[c]) args.onChunk?.({ chunk: c, skipped: true });
    else missing.push(c);
  }
  const inputsIn = (c: number) => Math.ceil(chunkWords(layout, c).count / WORDS_PER_PROOF);
  const encrypted = encryptAhead(2 * (encryptor.threads ?? 0), missing, inputsIn, (c) =>
    encryptor.encryptWords(contract, user, chunks[c], `chunk ${c + 1} of ${layout.chunkCount}`),
  );
  const receipts: ContractTransactionReceipt[] = [];
  for (const c of missing) {
    const { count } = chunkWords(layout, c);
    const t0 = performance.now();
    const chunk = await encrypted(c);
    const t1 = performance.now();
    const receipt = await transact(
      aggregator,
      { fn: "submitChunk", taskId, round, chunk: c },
      [taskId, round, c, chunk.handles, chunk.proofs],
      { gasLimit: chunkGasLimit(count) },
      (hash) => args.onSent?.(c, hash),
    );
    receipts.push(receipt);
    const encryptMs = chunk.encryptMs ?? t1 - t0;
    args.onChunk?.({ chunk: c, skipped: false, receipt, encryptMs, submitMs: performance.now() - t1 });
  }
  return receipts;
}
