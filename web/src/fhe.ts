import type { JsonRpcApiProvider } from "ethers";
import type { FhevmConnection } from "../../client/src/fhe/instance";
import type { Eip1193Provider } from "../../client/src/fhe/relayer";

const connections = new Map<string, Promise<FhevmConnection>>();

/**
 * The page's fhEVM connection (mock instance on 31337, relayer SDK elsewhere), created once per chain.
 * Loaded on demand: the FHE libraries stay out of the first page load.
 */
export function fhevmConnection(
  chainId: number,
  provider: JsonRpcApiProvider,
  wallet?: Eip1193Provider,
): Promise<FhevmConnection> {
  const key = String(chainId);
  let connection = connections.get(key);
  if (!connection) {
    connection = import("../../client/src/fhe/connect").then((m) =>
      m.connectFhevm({ chainId, readProvider: provider, network: wallet }),
    );
    connection.catch(() => connections.delete(key));
    connections.set(key, connection);
  }
  return connection;
}

/** Loads the decryption wasm (TKMS keypairs) before a user or public decryption. */
export async function prepareDecryption(): Promise<void> {
  const { loadRelayerSdk } = await import("../../client/src/fhe/relayer");
  await loadRelayerSdk();
}
