/**
 * Fewer wallet confirmations: all of a round's missing chunks in one EIP-5792 `wallet_sendCalls`
 * (one confirmation), when the wallet answers `wallet_getCapabilities` for the chain. The calls are not
 * atomic (atomicRequired: false): every chunk stands alone on chain, and its per-chunk record makes a
 * partly executed batch resumable like any interrupted submission. Trade-off: EIP-5792 calls carry no
 * gas limit, so the wallet estimates each chunk's gas (the per-chunk path sends chunkGasLimit). Chunks are
 * encrypted in the encryption worker (encryptor.ts), one after another, before the one wallet request.
 */
import { toBeHex, type JsonRpcApiProvider } from "ethers";
import { confirmedChunk, type ChunkSubmission } from "./roundUpdate";
import { revertedCall } from "../../../client/src/chain/transact";
import { shownIndex } from "../format";

export interface Eip1193Request {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

type Capabilities = Record<string, { atomic?: { status?: string }; atomicBatch?: { supported?: boolean } }>;

/** Whether the wallet takes batched calls on `chainId`: it answers wallet_getCapabilities for that chain. */
export async function supportsBatchedCalls(wallet: Eip1193Request, account: string, chainId: number): Promise<boolean> {
  const chain = toBeHex(chainId);
  try {
    const caps = (await wallet.request({ method: "wallet_getCapabilities", params: [account, [chain]] })) as
      Capabilities | null | undefined;
    return typeof caps === "object" && caps !== null && (chain in caps || "0x0" in caps);
  } catch {
    return false; // EIP-5792 unknown to this wallet: one confirmation per chunk
  }
}

interface CallsStatus {
  /** EIP-5792 v2: 100 pending, 200 confirmed, 4xx/5xx/6xx failed; v1 wallets say "PENDING"/"CONFIRMED". */
  status: number | string;
  receipts?: { transactionHash: string; status: string }[];
}

const settled = (s: CallsStatus) => (typeof s.status === "number" ? s.status >= 200 : s.status !== "PENDING");

/** Encrypts every chunk the chain lacks, sends them in one wallet_sendCalls and follows them to their receipts. */
export async function submitBatched(
  args: ChunkSubmission & {
    wallet: Eip1193Request;
    account: string;
    chainId: number;
    provider: JsonRpcApiProvider;
    pollMs?: number;
  },
): Promise<void> {
  const { aggregator, account, taskId, round, onChunk } = args;
  const contract = await aggregator.getAddress();
  const done = await aggregator.submittedChunks(taskId, round, account);
  const todo: number[] = [];
  for (let c = 0; c < args.layout.chunkCount; c++) {
    if (done[c]) onChunk({ chunk: c, status: "on-chain" });
    else todo.push(c);
  }
  if (todo.length === 0) return;
  const calls = [];
  for (const c of todo) {
    onChunk({ chunk: c, status: "sending" });
    const label = `chunk ${shownIndex(c)} of ${args.layout.chunkCount}`;
    const { handles, proofs } = await args.encryptor.encryptWords(contract, account, args.chunks[c], label);
    const data = aggregator.interface.encodeFunctionData("submitChunk", [taskId, round, c, handles, proofs]);
    calls.push({ to: contract, data, value: "0x0" });
  }
  const sent = (await args.wallet.request({
    method: "wallet_sendCalls",
    params: [{ version: "2.0.0", chainId: toBeHex(args.chainId), from: account, atomicRequired: false, calls }],
  })) as { id: string } | string;
  const id = typeof sent === "string" ? sent : sent.id;
  for (const c of todo) onChunk({ chunk: c, status: "pending" });
  let status: CallsStatus;
  for (;;) {
    status = (await args.wallet.request({ method: "wallet_getCallsStatus", params: [id] })) as CallsStatus;
    if (settled(status)) break;
    await new Promise((r) => setTimeout(r, args.pollMs ?? 500));
  }
  const receipts = status.receipts ?? [];
  for (const [i, c] of todo.entries()) {
    const r = receipts[i];
    const receipt = r && (await args.provider.getTransactionReceipt(r.transactionHash));
    if (!receipt) throw new Error(`chunk ${shownIndex(c)} of the batch did not go through (no receipt): submit again`);
    if (receipt.status !== 1) {
      const call = { to: contract, from: account, data: calls[i].data };
      throw await revertedCall(args.provider, call, { fn: "submitChunk", taskId, round, chunk: c });
    }
    onChunk(confirmedChunk(c, receipt, args.hcuOf));
  }
}
