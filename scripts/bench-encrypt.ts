/**
 * `npm run bench:encrypt -- [--threads n] [--inputs k] [--json]`: what encrypting an update costs a
 * participant on a real network, where its machine (not the mock) encrypts every 16 words under the
 * network's TFHE public key and proves them in zero knowledge, and how that scales on the
 * participant's encryption worker pool. Uses the relayer SDK's own TFHE WASM (node-tfhe) with keys
 * and a 2048-bit CRS made locally by the SDK's createTfheKeypair (Sepolia/mainnet's parameter sets)
 * and the SDK's call sequence per input (client/src/fhe/localTfhe.ts); no network. In one run, side
 * by side: k inputs on a pool of 1 thread, then n x k inputs on a pool of n threads (default: every
 * core). Throughput is inputs over wall time from the first input to the last (threads started and
 * keys loaded before); memory is the process's RSS sampled every 100 ms. With --json the last stdout
 * line is one JSON object {"threads", "inputsPerMinute", "oneThreadInputsPerMinute", "speedup",
 * "secondsPerInput", "peakRssMbPerWorker", "peakRssMbTotal", ...}.
 */
import { availableParallelism } from "node:os";
import { Command } from "commander";
import { EncryptPool } from "../client/src/fhe/encryptPool";
import type { EncryptorRecipe, ProvenInput } from "../client/src/fhe/encryptors";
import { makeLocalTfheKeys } from "../client/src/fhe/localTfhe";
import { positive } from "./lib/flags";

const log = (message: string) => process.stderr.write(`[bench:encrypt] ${message}\n`);
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

interface Phase {
  threads: number;
  inputs: number;
  wallSeconds: number;
  inputsPerMinute: number;
  /** Median time one input took on its thread. */
  secondsPerInput: number;
  bytesPerInput: number;
  rssBeforeMb: number;
  peakRssMb: number;
  peakRssMbPerWorker: number;
}

/** Samples the process's RSS until stopped; returns the peak. */
function rssSampler(): () => number {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage().rss);
  };
}

async function phase(recipe: EncryptorRecipe, threads: number, inputs: number): Promise<Phase> {
  const rssBefore = process.memoryUsage().rss;
  const stopSampling = rssSampler();
  const pool = new EncryptPool(recipe, threads);
  try {
    await pool.ready();
    log(`${threads} thread(s) ready (rss ${mb(process.memoryUsage().rss)} MB); ${inputs} inputs...`);
    const t0 = performance.now();
    const done = await Promise.all(
      Array.from({ length: inputs }, async (_, i) => {
        // 16 full-width words, as a packed update's input carries.
        const words = Array.from({ length: 16 }, (_, w) => (BigInt(i * 16 + w) << 100n) | 0x1234567n);
        const result = await pool.encryptInput(
          { contract: "0x" + "11".repeat(20), user: "0x" + "22".repeat(20), words },
          `input ${i + 1}`,
        );
        log(`  input ${i + 1}/${inputs}: ${(result.ms / 1000).toFixed(2)} s on its thread`);
        return result;
      }),
    );
    const wallSeconds = (performance.now() - t0) / 1000;
    const peak = stopSampling();
    const perInput = done.map((d) => d.ms / 1000).sort((a, b) => a - b);
    return {
      threads,
      inputs,
      wallSeconds,
      inputsPerMinute: (inputs / wallSeconds) * 60,
      secondsPerInput: perInput[Math.floor(perInput.length / 2)],
      bytesPerInput: (done[0].value as ProvenInput).provenList.length,
      rssBeforeMb: mb(rssBefore),
      peakRssMb: mb(peak),
      peakRssMbPerWorker: mb((peak - rssBefore) / threads),
    };
  } finally {
    stopSampling();
    await pool.close();
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

async function main(o: { threads: number; inputs: number; json?: boolean }): Promise<void> {
  log(
    `generating a client key, compact public key and 2048-bit CRS locally (rss ${mb(process.memoryUsage().rss)} MB)...`,
  );
  const t0 = performance.now();
  const keys = makeLocalTfheKeys();
  const keygenSeconds = (performance.now() - t0) / 1000;
  log(`keys and CRS in ${keygenSeconds.toFixed(1)} s (CRS ${mb(keys.crs.length)} MB)`);
  const recipe: EncryptorRecipe = {
    kind: "tfhe-local",
    keys: { publicKey: keys.publicKey, crs: keys.crs },
    acl: "0x" + "33".repeat(20),
    chainId: 11155111,
  };
  const one = await phase(recipe, 1, o.inputs);
  const many = await phase(recipe, o.threads, o.threads * o.inputs);
  const speedup = many.inputsPerMinute / one.inputsPerMinute;
  // Beyond the measured thread count: the measured throughput per thread, scaled (an extrapolation).
  const perThread = many.inputsPerMinute / o.threads;
  const extrapolated = Object.fromEntries([8, 16].map((n) => [n, round2(perThread * n)]));
  const result = {
    threads: o.threads,
    inputsPerMinute: round2(many.inputsPerMinute),
    oneThreadInputsPerMinute: round2(one.inputsPerMinute),
    speedup: round2(speedup),
    secondsPerInput: round2(many.secondsPerInput),
    oneThreadSecondsPerInput: round2(one.secondsPerInput),
    peakRssMbPerWorker: many.peakRssMbPerWorker,
    peakRssMbTotal: many.peakRssMb,
    oneThreadPeakRssMbPerWorker: one.peakRssMbPerWorker,
    mainThreadRssMb: many.rssBeforeMb,
    inputs: { oneThread: one.inputs, threads: many.inputs },
    wordsPerInput: 16,
    bytesPerInput: many.bytesPerInput,
    keygenSeconds: round2(keygenSeconds),
    extrapolatedInputsPerMinute: extrapolated,
    cores: availableParallelism(),
  };
  console.log(
    `one 2048-bit input (16 x euint128) with its ZK proof: ${one.secondsPerInput.toFixed(1)} s on 1 thread ` +
      `(${result.oneThreadInputsPerMinute} inputs/min); ${o.threads} threads: ${result.inputsPerMinute} inputs/min, ` +
      `${result.speedup}x, ${many.secondsPerInput.toFixed(1)} s per input on its thread; ` +
      `~${many.peakRssMbPerWorker} MB per worker, peak ${many.peakRssMb} MB in all (keys included)`,
  );
  console.log(
    `extrapolated from ${perThread.toFixed(2)} inputs/min per thread (not measured): ` +
      `8 threads ~${extrapolated[8]}, 16 threads ~${extrapolated[16]} inputs/min`,
  );
  if (o.json) console.log(JSON.stringify(result));
}

new Command()
  .name("bench:encrypt")
  .description("real TFHE encryption + ZK proof per 2048-bit input, 1 thread vs a worker pool of n threads")
  .option(
    "--threads <n>",
    "threads of the pool compared with one thread",
    positive("--threads"),
    availableParallelism(),
  )
  .option("--inputs <k>", "inputs per thread in each phase", positive("--inputs"), 2)
  .option("--json", "print a JSON summary as the last stdout line")
  .action((o: { threads: number; inputs: number; json?: boolean }) =>
    main(o).catch((error: unknown) => {
      console.error(`bench:encrypt failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    }),
  )
  .parse();
