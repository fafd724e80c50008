import type { JsonRpcProvider, TransactionReceipt } from "ethers";
import { FLuFHEAggregator__factory } from "../../../types";

/** Gas, HCU and transaction count of the aggregator calls of one round. */
export interface RoundCost {
  gasUsed: number;
  hcuUsed: number;
  txs: number;
}

const iface = FLuFHEAggregator__factory.createInterface();

/** The round a call belongs to: its `round` argument, or for openRound the round it opened. */
function roundOf(secondArg: string | undefined, value: unknown, receipt: TransactionReceipt): number | undefined {
  if (secondArg === "round") return Number(value);
  for (const log of receipt.logs) {
    const parsed = iface.parseLog(log);
    if (parsed?.name === "RoundOpened") return Number(parsed.args.round);
  }
  return undefined;
}

/**
 * Attributes every mined call to the aggregator in [fromBlock, toBlock] to its task and round (all
 * round-scoped functions take (taskId, round) as their first arguments) and sums gas and HCU.
 */
export async function costsByRound(
  provider: JsonRpcProvider,
  aggregator: string,
  taskId: bigint,
  fromBlock: number,
  toBlock: number,
  hcuOf: (receipt: TransactionReceipt) => number,
): Promise<Map<number, RoundCost>> {
  const costs = new Map<number, RoundCost>();
  for (let n = fromBlock; n <= toBlock; n++) {
    const block = await provider.getBlock(n, true);
    for (const tx of block?.prefetchedTransactions ?? []) {
      if (tx.to?.toLowerCase() !== aggregator.toLowerCase()) continue;
      const call = iface.parseTransaction({ data: tx.data });
      if (!call || call.args.length < 2 || (call.args[0] as bigint) !== taskId) continue;
      const receipt = await provider.getTransactionReceipt(tx.hash);
      if (!receipt || receipt.status !== 1) continue;
      const round = roundOf(call.fragment.inputs[1]?.name, call.args[1], receipt);
      if (round === undefined) continue;
      const cost = costs.get(round) ?? { gasUsed: 0, hcuUsed: 0, txs: 0 };
      cost.gasUsed += Number(receipt.gasUsed);
      cost.hcuUsed += hcuOf(receipt);
      cost.txs += 1;
      costs.set(round, cost);
    }
  }
  return costs;
}
