"use client";

import { ErrorAlert } from "../components/forms";
import { shortAddress } from "../format";
import { useWallet, type WalletState } from "../hooks/useWallet";

/** The wallet's state in words, with the one action that moves it forward. Presentational: tested alone. */
export function WalletStatusView({ wallet }: { wallet: WalletState }) {
  switch (wallet.status) {
    case "checking":
      return <span className="muted">Looking for a wallet…</span>;
    case "no-wallet":
      return (
        <span role="status">
          No wallet found. Install an Ethereum wallet (MetaMask or another EIP-1193 wallet) to sign; you can still
          browse tasks.
        </span>
      );
    case "disconnected":
    case "connecting":
      return (
        <span className="wallet-actions">
          {wallet.status === "connecting" ? (
            <span role="status">Confirm the connection in your wallet…</span>
          ) : (
            wallet.connectors.map((c) => (
              <button key={c.uid} type="button" onClick={() => wallet.connect(c)}>
                Connect {c.name === "Injected" ? "wallet" : c.name}
              </button>
            ))
          )}
          <ErrorAlert message={wallet.error} />
        </span>
      );
    case "wrong-chain":
      return (
        <span className="wallet-actions" role="status">
          <span className="warning-text">
            Wrong network: the wallet is on chain {wallet.chainId}, the aggregator is on chain {wallet.expectedChainId}.
          </span>
          <button type="button" onClick={wallet.switchChain} disabled={wallet.switching}>
            {wallet.switching ? "Switching…" : `Switch to chain ${wallet.expectedChainId}`}
          </button>
          <ErrorAlert message={wallet.error} />
        </span>
      );
    case "ready":
      return (
        <span className="wallet-actions">
          <span>
            <span className="dot ok" aria-hidden="true" /> Connected as{" "}
            <code title={wallet.address} data-testid="account">
              {shortAddress(wallet.address ?? "")}
            </code>{" "}
            on chain {wallet.chainId}
          </span>
          <button type="button" className="secondary" onClick={wallet.disconnect}>
            Disconnect
          </button>
        </span>
      );
  }
}

export function WalletBar() {
  const wallet = useWallet();
  return (
    <div className="wallet" aria-label="Wallet" role="region">
      <WalletStatusView wallet={wallet} />
    </div>
  );
}
