import { BrowserProvider, type JsonRpcSigner } from "ethers";
import type { Connector } from "wagmi";

export type Eip1193 = ConstructorParameters<typeof BrowserProvider>[0];

/** The connected wallet's EIP-1193 provider and an ethers signer for its account. */
export interface WalletSigner {
  eip1193: Eip1193;
  signer: JsonRpcSigner;
}

/** An ethers signer for `address` through the wallet behind a wagmi connector. */
export async function walletSigner(connector: Connector, address: string): Promise<WalletSigner> {
  const eip1193 = (await connector.getProvider()) as Eip1193;
  // No read cache: back-to-back transactions on an automining node would reuse a stale nonce.
  const signer = await new BrowserProvider(eip1193, undefined, { cacheTimeout: -1 }).getSigner(address);
  return { eip1193, signer };
}
