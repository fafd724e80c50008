/**
 * The devnet node's side of "fewer bursts" (issue 10), loaded by hardhat.config.ts into `hardhat node`
 * only (FLUFHE_NODE_MAX_REQUESTS, set by scripts/lib/devnet.ts). Every client limits its own requests
 * (client/src/chain/rpc.ts), but a round has nine or more clients, and the fhEVM mock's relayer
 * methods burst inside the node: one user decryption of 16 handles checks 32 ACL reads at once, and
 * the first decryption after a round's submissions parses every coprocessor event of the round (tens
 * of thousands of logs); concurrent decryptions each parse them again (the "in backward order" race).
 * Each concurrent request takes a worker thread of the node's Rust backend, whose allocator keeps
 * what the thread ever used. So, in the node:
 * - DecryptionLine (above the fhEVM plugin): one mock decryption at a time;
 * - ExecutionLimit (below the plugin, so it also bounds the plugin's own reads): at most
 *   FLUFHE_NODE_MAX_REQUESTS requests in the backend at once.
 * The rest wait in line in JS, which costs no throughput: the backend executes one request at a time.
 *
 * scripts/lib/devnet-node.ts installs them (imported by hardhat.config.ts before the plugin).
 */
import { ProviderWrapper } from "hardhat/plugins";
import type { EIP1193Provider, RequestArguments } from "hardhat/types";
import { ConcurrencyLimit } from "../../client/src/chain/rpc";

/** Mock relayer methods that read the coprocessor's events and the ACL. */
export const DECRYPTION_METHODS = new Set([
  "fhevm_relayer_v1_user_decrypt",
  "fhevm_relayer_v1_delegated_user_decrypt",
  "fhevm_relayer_v1_public_decrypt",
  "fhevm_get_clear_text",
]);

/** At most `max` requests at once reach the wrapped provider. */
export class ExecutionLimit extends ProviderWrapper {
  private readonly limit: ConcurrencyLimit;

  constructor(provider: EIP1193Provider, max: number) {
    super(provider);
    this.limit = new ConcurrencyLimit(max);
  }

  public request(args: RequestArguments): Promise<unknown> {
    return this.limit.run(() => this._wrappedProvider.request(args));
  }
}

/** One mock decryption at a time; everything else passes. */
export class DecryptionLine extends ProviderWrapper {
  private readonly line = new ConcurrencyLimit(1);

  public request(args: RequestArguments): Promise<unknown> {
    const send = () => this._wrappedProvider.request(args);
    return DECRYPTION_METHODS.has(args.method) ? this.line.run(send) : send();
  }
}
