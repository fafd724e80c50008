/**
 * `npx ts-node --transpile-only scripts/bench-encrypt.ts [--json] [--inputs n]`: what one encrypted
 * input costs a participant on a real network, where its machine (not the mock) encrypts every 16
 * words under the network's TFHE public key and proves them in zero knowledge. Uses the relayer SDK's
 * own TFHE WASM (node-tfhe, the build @zama-fhe/relayer-sdk 0.4.1 ships) with keys and a 2048-bit CRS
 * generated locally by the SDK's createTfheKeypair (the same parameter sets as Sepolia/mainnet), and
 * the SDK's encrypt call sequence: CompactCiphertextList.builder(pk), 16 x push_u128,
 * build_with_proof_packed(crs, metadata, ZkComputeLoad.Verify), safe_serialize. No network.
 * Reports seconds per 2048-bit input (16 euint128 words) and the process's peak RSS.
 */
import { parseArgs } from "node:util";
import { createRequire } from "node:module";

const { values: args } = parseArgs({
  options: { json: { type: "boolean", default: false }, inputs: { type: "string", default: "3" } },
});

const log = (message: string) => process.stderr.write(`[bench:encrypt] ${message}\n`);
const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const peakMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

interface Tfhe {
  CompactCiphertextList: {
    builder(pk: unknown): {
      push_u128(v: bigint): void;
      build_with_proof_packed(
        crs: unknown,
        metadata: Uint8Array,
        load: unknown,
      ): { safe_serialize(limit: bigint): Uint8Array };
    };
  };
  ZkComputeLoad: { Verify: unknown };
}

async function main(): Promise<void> {
  const inputs = Number(args.inputs);
  if (!Number.isInteger(inputs) || inputs < 1)
    throw new Error(`--inputs must be a positive integer, got ${args.inputs}`);
  const require = createRequire(__filename);
  const sdk = require("@zama-fhe/relayer-sdk/node") as {
    createTfheKeypair(): { publicKey: unknown; crs: unknown };
    SERIALIZED_SIZE_LIMIT_CIPHERTEXT: bigint;
  };
  // The SDK's own copy of the TFHE WASM (what createInstance uses to encrypt).
  const tfhe = createRequire(require.resolve("@zama-fhe/relayer-sdk/node"))("node-tfhe") as Tfhe;
  log(`generating a client key, compact public key and 2048-bit CRS locally (rss ${rssMb()} MB)...`);
  const t0 = performance.now();
  const { publicKey, crs } = sdk.createTfheKeypair();
  const keygenSeconds = (performance.now() - t0) / 1000;
  log(`keys and CRS in ${keygenSeconds.toFixed(1)} s (rss ${rssMb()} MB)`);
  // Metadata as the SDK builds it: contract, user, ACL (20 bytes each) and the chain id (32 bytes).
  const metadata = new Uint8Array(92);
  metadata.fill(0x11, 0, 20);
  metadata.fill(0x22, 20, 40);
  metadata.fill(0x33, 40, 60);
  metadata[91] = 0xaa;
  const seconds: number[] = [];
  let bytes = 0;
  for (let i = 0; i < inputs; i++) {
    const started = performance.now();
    const builder = tfhe.CompactCiphertextList.builder(publicKey);
    for (let w = 0; w < 16; w++) builder.push_u128((BigInt(i * 16 + w) << 100n) | 0x1234567n);
    const list = builder.build_with_proof_packed(crs, metadata, tfhe.ZkComputeLoad.Verify);
    bytes = list.safe_serialize(sdk.SERIALIZED_SIZE_LIMIT_CIPHERTEXT).length;
    seconds.push((performance.now() - started) / 1000);
    log(`input ${i + 1}/${inputs}: ${seconds.at(-1)!.toFixed(2)} s, ${bytes} bytes (rss ${rssMb()} MB)`);
  }
  const sorted = [...seconds].sort((a, b) => a - b);
  const result = {
    secondsPerInput: sorted[Math.floor(sorted.length / 2)],
    secondsPerInputMin: sorted[0],
    wordsPerInput: 16,
    bytesPerInput: bytes,
    peakRssMb: peakMb(),
    keygenSeconds,
    inputs,
    threads: 1,
  };
  console.log(
    `one 2048-bit input (16 x euint128) with its ZK proof: ${result.secondsPerInput.toFixed(2)} s (median of ${inputs}), ` +
      `${bytes} bytes; peak RSS ${result.peakRssMb} MB (keys and CRS included)`,
  );
  if (args.json) console.log(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(`bench:encrypt failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
