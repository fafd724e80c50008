/**
 * What a participant's own machine spends on a real network (Sepolia/mainnet): every input proof (16
 * encrypted words, 2048 bits) is a TFHE encryption with a zero-knowledge proof made client-side, and
 * Zama's protocol fee is charged per input verification. The measured constants and the estimate live
 * here only. Pure: no I/O (the Node tools and the web app pass the thread count they see).
 */

/**
 * Seconds one thread spends encrypting and proving one 2048-bit input (16 words): the relayer SDK's
 * TFHE WASM (node-tfhe) on the 2-core dev machine (`npm run bench:encrypt`: 29-32 s under load, 19.7 s
 * on a quiet run on 2026-12-02): the loaded figure, so estimates err long. The mock devnet skips this
 * work, so its encrypt phase is far shorter.
 */
export const CLIENT_SECONDS_PER_PROOF = 30;

/**
 * Fraction of a linear speedup each extra encryption thread adds (proofs are independent, one per
 * worker at a time): n threads run 1 + (n - 1) * PARALLEL_EFFICIENCY times as fast as one. Set from the
 * 2-thread speedup that `npm run bench:encrypt -- --threads 2 --json` measures (speedup = 1 + this):
 * 1.98x on the 2-core dev machine (2026-12-02, 6.05 vs 3.05 inputs per minute). Beyond 2 threads it is
 * an extrapolation, not a measurement: shared caches and memory bandwidth may lower it on larger machines.
 */
export const PARALLEL_EFFICIENCY = 0.98;

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer of at least ${min}, got ${value}`);
  }
}

/**
 * The encryption threads a participant uses by default: every core but one (left to the rest of the
 * machine), at least 1. `cores`: os.availableParallelism() in Node, navigator.hardwareConcurrency in a page.
 */
export function defaultEncryptThreads(cores: number): number {
  checkCount("the number of cores", cores, 1);
  return Math.max(1, cores - 1);
}

/**
 * Estimated wall-clock seconds to encrypt and prove `proofs` inputs with `threads` workers:
 * proofs * CLIENT_SECONDS_PER_PROOF / (1 + (t - 1) * PARALLEL_EFFICIENCY), where t is `threads` capped
 * at `proofs` (a worker without a proof does not help). One thread is the measured figure; more
 * threads are an estimate (see PARALLEL_EFFICIENCY).
 */
export function clientEncryptSeconds(proofs: number, threads = 1): number {
  checkCount("the number of input proofs", proofs, 0);
  checkCount("the number of encryption threads", threads, 1);
  const used = Math.min(threads, Math.max(proofs, 1));
  return (proofs * CLIENT_SECONDS_PER_PROOF) / (1 + (used - 1) * PARALLEL_EFFICIENCY);
}

/** An estimate's seconds for people: "~45 s", "~4 min", "~1.2 h" (rounded; "0 s" for none). */
export function approxDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`a duration must be >= 0 s, got ${seconds}`);
  if (seconds === 0) return "0 s";
  if (seconds < 90) return `~${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 90 * 60) return `~${Math.round(seconds / 60)} min`;
  return `~${(seconds / 3600).toFixed(1)} h`;
}

/** "thread" or "threads" after a count. */
export function threadsLabel(threads: number): string {
  return `${threads} thread${threads === 1 ? "" : "s"}`;
}
