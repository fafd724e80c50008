/** JSON-RPC methods the app's /api/rpc forwards: public chain reads, raw transactions and the fhEVM relayer. */
const FHEVM_RELAYER = new Set([
  "fhevm_relayer_metadata",
  "fhevm_relayer_v1_input_proof",
  "fhevm_relayer_v1_user_decrypt",
  "fhevm_relayer_v1_public_decrypt",
]);

/** Methods of the eth_ namespace that act with the node's own (unlocked) accounts. */
const NODE_ACCOUNT_METHODS = new Set([
  "eth_accounts",
  "eth_sendTransaction",
  "eth_sign",
  "eth_signTransaction",
  "eth_signTypedData",
  "eth_signTypedData_v3",
  "eth_signTypedData_v4",
]);

export function isForwardedRpcMethod(method: unknown): boolean {
  if (typeof method !== "string") return false;
  if (FHEVM_RELAYER.has(method)) return true;
  if (method === "net_version" || method === "web3_clientVersion") return true;
  return method.startsWith("eth_") && !NODE_ACCOUNT_METHODS.has(method);
}
