"use client";

import { useCallback, useEffect, useState } from "react";
import { useAccount, useConnect, useConnectors, useDisconnect, useSwitchChain, type Connector } from "wagmi";
import { describeError } from "../errors";
import { useAppChain } from "../providers/appChain";
import { walletSigner, type WalletSigner } from "../wallet/signer";

/**
 * - checking: the page has not looked for wallets yet (server render, first paint)
 * - no-wallet: neither window.ethereum nor an EIP-6963 announcement
 * - disconnected / connecting: a wallet exists, no account is connected (yet)
 * - wrong-chain: connected to another chain than the aggregator's
 * - ready: connected on the aggregator's chain
 */
export type WalletStatus = "checking" | "no-wallet" | "disconnected" | "connecting" | "wrong-chain" | "ready";

export interface WalletState {
  status: WalletStatus;
  address?: string;
  chainId?: number;
  expectedChainId: number;
  connectors: readonly Connector[];
  connect(connector: Connector): void;
  disconnect(): void;
  switchChain(): void;
  switching: boolean;
  /** The last connection or chain-switch failure, in words (a rejection says so). */
  error?: string;
}

/** EIP-6963 wallets announce themselves; the generic injected connector is only useful without them. */
function usableConnectors(connectors: readonly Connector[]): readonly Connector[] {
  const announced = connectors.filter((c) => c.id !== "injected");
  return announced.length > 0 ? announced : connectors;
}

export function useWallet(): WalletState {
  const { deployment } = useAppChain();
  const account = useAccount();
  const connectors = useConnectors();
  const connect = useConnect();
  const switcher = useSwitchChain();
  const disconnect = useDisconnect();
  const [walletPresent, setWalletPresent] = useState<boolean | null>(null);

  useEffect(() => {
    const look = () =>
      setWalletPresent(
        (window as { ethereum?: unknown }).ethereum !== undefined || connectors.some((c) => c.id !== "injected"),
      );
    look();
    // EIP-6963 announcements may arrive after the first render.
    const timer = setTimeout(look, 500);
    return () => clearTimeout(timer);
  }, [connectors]);

  const failure = connect.error ?? switcher.error;
  let status: WalletStatus;
  if (account.status === "connected") {
    status = account.chainId === deployment.chainId ? "ready" : "wrong-chain";
  } else if (walletPresent === null) {
    status = "checking";
  } else if (account.status === "connecting" || account.status === "reconnecting" || connect.isPending) {
    status = "connecting";
  } else {
    status = walletPresent ? "disconnected" : "no-wallet";
  }
  return {
    status,
    address: account.address,
    chainId: account.chainId,
    expectedChainId: deployment.chainId,
    connectors: usableConnectors(connectors),
    connect: (connector) => {
      connect.reset();
      connect.connect({ connector, chainId: deployment.chainId });
    },
    disconnect: () => disconnect.disconnect(),
    switchChain: () => {
      switcher.reset();
      switcher.switchChain({ chainId: deployment.chainId });
    },
    switching: switcher.isPending,
    error: failure ? describeError(failure).message : undefined,
  };
}

/** A getter for the connected account's signer (undefined while no account is connected). */
export function useSigner(): (() => Promise<WalletSigner>) | undefined {
  const { connector, address, status } = useAccount();
  const getSigner = useCallback(async () => {
    if (!connector || !address) throw new Error("connect a wallet first");
    return walletSigner(connector, address);
  }, [connector, address]);
  return status === "connected" ? getSigner : undefined;
}
