import { existsSync, readFileSync } from "node:fs";
import { Wallet, type JsonRpcProvider, type Signer } from "ethers";

/**
 * Resolves `--account`: a 0x private key, a keystore file (password in FLUFHE_KEYSTORE_PASSWORD),
 * or the index of an account the node itself manages (a local devnet's funded test accounts).
 */
export async function resolveSigner(provider: JsonRpcProvider, account: string): Promise<Signer> {
  if (/^0x[0-9a-fA-F]{64}$/.test(account)) return new Wallet(account, provider);
  if (/^\d+$/.test(account)) return provider.getSigner(Number(account));
  if (existsSync(account)) {
    const password = process.env.FLUFHE_KEYSTORE_PASSWORD;
    if (password === undefined) throw new Error(`set FLUFHE_KEYSTORE_PASSWORD to unlock the keystore ${account}`);
    return (await Wallet.fromEncryptedJson(readFileSync(account, "utf8"), password)).connect(provider);
  }
  throw new Error(
    `--account must be a 0x private key (64 hex digits), a keystore file or a devnet account index, got "${account.slice(0, 12)}..."`,
  );
}
