/**
 * A task's history from the aggregator's events (every event has the task id as its first indexed
 * argument): decoding, and the gas and HCU of each transaction attributed to its round. Used by the
 * fl: tasks, the demo and the web dashboard alike.
 */
import { zeroPadValue, toBeHex, type JsonRpcApiProvider, type Log, type TransactionReceipt } from "ethers";
import { FLuFHEAggregator__factory } from "../../../types";

const iface = FLuFHEAggregator__factory.createInterface();

/** One decoded aggregator event of a task. */
export interface TaskEvent {
  name: string;
  /** The round the event belongs to; 0 for task setup (creation, allowlist changes). */
  round: number;
  args: Record<string, string>;
  blockNumber: number;
  txHash: string;
  logIndex: number;
}

/** Cost of one transaction that emitted events of the task. */
export interface TxCost {
  hash: string;
  round: number;
  /** The first event the transaction emitted (ChunkSubmitted, RoundOpened, ...). */
  kind: string;
  gas: number;
  /** Homomorphic complexity units (NaN when the fhEVM host contracts cannot be read). */
  hcu: number;
}

/** Per-round totals: every transaction, and the participants' chunk submissions alone. */
export interface RoundCost {
  txs: number;
  gas: number;
  hcu: number;
  submissions: number;
  submissionGas: number;
  submissionHcu: number;
}

const BLOCK_PAGE = 5000;

/** Topic filter matching every aggregator event of `taskId` (taskId is the first indexed argument of all). */
export function taskTopic(taskId: bigint): string {
  return zeroPadValue(toBeHex(taskId), 32);
}

/** Logs of the task in [fromBlock, toBlock], in pages so long chains stay under node limits. */
export async function fetchTaskLogs(
  provider: JsonRpcApiProvider,
  address: string,
  taskId: bigint,
  fromBlock: number,
  toBlock: number,
): Promise<Log[]> {
  const logs: Log[] = [];
  for (let start = fromBlock; start <= toBlock; start += BLOCK_PAGE) {
    const end = Math.min(toBlock, start + BLOCK_PAGE - 1);
    logs.push(
      ...(await provider.getLogs({ address, topics: [null, taskTopic(taskId)], fromBlock: start, toBlock: end })),
    );
  }
  return logs;
}

/** Decodes aggregator logs; logs of other contracts or unknown events are skipped. */
export function decodeTaskLogs(logs: readonly Log[]): TaskEvent[] {
  const out: TaskEvent[] = [];
  for (const log of logs) {
    const parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
    if (!parsed) continue;
    const args: Record<string, string> = {};
    parsed.fragment.inputs.forEach((input, i) => {
      args[input.name] = String(parsed.args[i]);
    });
    out.push({
      name: parsed.name,
      round: args.round === undefined ? 0 : Number(args.round),
      args,
      blockNumber: log.blockNumber,
      txHash: log.transactionHash,
      logIndex: log.index,
    });
  }
  return out;
}

/** The cost of a transaction from its receipt, attributed to the round of its first event. */
export function txCost(
  receipt: TransactionReceipt,
  events: readonly TaskEvent[],
  hcuOf: (r: TransactionReceipt) => number,
): TxCost {
  const first = events.find((e) => e.txHash === receipt.hash);
  return {
    hash: receipt.hash,
    round: first?.round ?? 0,
    kind: first?.name ?? "unknown",
    gas: Number(receipt.gasUsed),
    hcu: hcuOf(receipt),
  };
}

/** Sums transaction costs per round (round 0: task setup). */
export function sumCostsByRound(costs: Iterable<TxCost>): Map<number, RoundCost> {
  const out = new Map<number, RoundCost>();
  for (const c of costs) {
    const r = out.get(c.round) ?? { txs: 0, gas: 0, hcu: 0, submissions: 0, submissionGas: 0, submissionHcu: 0 };
    r.txs += 1;
    r.gas += c.gas;
    r.hcu += c.hcu;
    if (c.kind === "ChunkSubmitted") {
      r.submissions += 1;
      r.submissionGas += c.gas;
      r.submissionHcu += c.hcu;
    }
    out.set(c.round, r);
  }
  return out;
}

/**
 * The cost of each transaction among `hashes`, from its receipt, a few receipts at a time (bounded, so a
 * long task does not fire hundreds of concurrent requests at the node).
 */
export async function transactionCosts(
  provider: JsonRpcApiProvider,
  hashes: readonly string[],
  events: readonly TaskEvent[],
  hcuOf: (receipt: TransactionReceipt) => number,
  concurrency = 4,
): Promise<TxCost[]> {
  const costs: TxCost[] = [];
  for (let i = 0; i < hashes.length; i += concurrency) {
    const receipts = await Promise.all(hashes.slice(i, i + concurrency).map((h) => provider.getTransactionReceipt(h)));
    for (const receipt of receipts) if (receipt) costs.push(txCost(receipt, events, hcuOf));
  }
  return costs;
}

/** Gas, HCU and transactions of every round of a task in [fromBlock, toBlock], from its logs. */
export async function measureTaskCosts(
  provider: JsonRpcApiProvider,
  address: string,
  taskId: bigint,
  fromBlock: number,
  toBlock: number,
  hcuOf: (receipt: TransactionReceipt) => number,
): Promise<Map<number, RoundCost>> {
  const events = decodeTaskLogs(await fetchTaskLogs(provider, address, taskId, fromBlock, toBlock));
  const hashes = [...new Set(events.map((e) => e.txHash))];
  return sumCostsByRound(await transactionCosts(provider, hashes, events, hcuOf));
}
