"use client";

import { useCallback, useState } from "react";
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
import { aggregatorAt, aggregatorInterface, type FLuFHEAggregator } from "../chain";
import { describeError } from "../errors";
import type { TxState } from "../progress";
import { useAppChain } from "../providers/appChain";
import { useSigner } from "./useWallet";

export interface TxRunner {
  state: TxState;
  busy: boolean;
  /** Sends `send(aggregator connected to the wallet)` and follows it to its receipt (null on failure). */
  run(
    label: string,
    send: (aggregator: FLuFHEAggregator) => Promise<ContractTransactionResponse>,
  ): Promise<ContractTransactionReceipt | null>;
  reset(): void;
}

export function useTx(): TxRunner {
  const { deployment } = useAppChain();
  const getSigner = useSigner();
  const [state, setState] = useState<TxState>({ phase: "idle" });
  const run = useCallback(
    async (label: string, send: (aggregator: FLuFHEAggregator) => Promise<ContractTransactionResponse>) => {
      try {
        if (!getSigner) throw new Error("connect a wallet first");
        setState({ phase: "wallet", label });
        const aggregator = aggregatorAt(deployment.aggregator, (await getSigner()).signer);
        const tx = await send(aggregator);
        setState({ phase: "pending", label, hash: tx.hash });
        const receipt = await tx.wait();
        if (!receipt) throw new Error("the transaction was dropped");
        setState({ phase: "confirmed", label, hash: tx.hash, block: receipt.blockNumber, gasUsed: receipt.gasUsed });
        return receipt;
      } catch (error) {
        setState({ phase: "failed", label, failure: describeError(error, aggregatorInterface) });
        return null;
      }
    },
    [deployment.aggregator, getSigner],
  );
  return {
    state,
    busy: state.phase === "wallet" || state.phase === "pending",
    run,
    reset: useCallback(() => setState({ phase: "idle" }), []),
  };
}
