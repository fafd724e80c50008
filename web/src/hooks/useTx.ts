"use client";

import { useCallback, useState } from "react";
import type { ContractTransactionReceipt } from "ethers";
import { transact, type CallSite } from "../../../client/src/chain/transact";
import { aggregatorAt, aggregatorInterface } from "../chain";
import { describeError } from "../errors";
import type { TxState } from "../progress";
import { useAppChain } from "../providers/appChain";
import { useSigner } from "./useWallet";

export interface TxRunner {
  state: TxState;
  busy: boolean;
  /**
   * Sends the aggregator call `site.fn(...args)` from the wallet (through client/src/chain/transact, as
   * the CLI does: a revert names the call and its reason) and follows it to its receipt (null on failure).
   */
  run(label: string, site: CallSite, args: unknown[]): Promise<ContractTransactionReceipt | null>;
  reset(): void;
}

export function useTx(): TxRunner {
  const { deployment } = useAppChain();
  const getSigner = useSigner();
  const [state, setState] = useState<TxState>({ phase: "idle" });
  const run = useCallback(
    async (label: string, site: CallSite, args: unknown[]) => {
      try {
        if (!getSigner) throw new Error("connect a wallet first");
        setState({ phase: "wallet", label });
        const aggregator = aggregatorAt(deployment.aggregator, (await getSigner()).signer);
        const receipt = await transact(aggregator, site, args, {}, (hash) =>
          setState({ phase: "pending", label, hash }),
        );
        setState({
          phase: "confirmed",
          label,
          hash: receipt.hash,
          block: receipt.blockNumber,
          gasUsed: receipt.gasUsed,
        });
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
