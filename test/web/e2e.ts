/**
 * Browser end-to-end suite of the web app (`npx ts-node --transpile-only test/web/e2e.ts`): a Hardhat
 * fhEVM devnet, the aggregator deployed, `next start` on a free 127.0.0.1 port, Debian's Chromium
 * through playwright-core with an injected EIP-1193 test wallet. The owner connects, creates a task in
 * the page and runs the round from the dashboard; participants submit through the client library;
 * the page decrypts the aggregate and the values it shows must equal the plaintext average.
 * Screenshots go to results/e2e/. Every process it starts is stopped by PID, also on failure.
 * Flags: --skip-build (reuse web/.next), --headed. Last line: "N passed, N failed".
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, type TransactionReceipt } from "ethers";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import {
  chooseCodec,
  chunkParams,
  chunkWords,
  dequantize,
  encodeUpdate,
  layoutOf,
  planSubmission,
  quantStep,
  quantize,
} from "../../client/src/codec";
import type { Layout } from "../../client/src/codec/layout";
import { writeDeployment } from "../../client/src/chain/deployment";
import { deployAggregator } from "../../client/src/chain/owner";
import { chunkGasLimit, submitUpdate } from "../../client/src/chain/submit";
import { toOnChainCodec } from "../../client/src/chain/task";
import { encryptWords } from "../../client/src/fhe/encrypt";
import { connectLocalFhevm, type FhevmConnection } from "../../client/src/fhe/local";
import { mulberry32 } from "../../client/src/util/random";
import { FLuFHEAggregator__factory, type FLuFHEAggregator } from "../../types";
import { freePort, startDevnet, type Devnet } from "../../scripts/lib/devnet";
import { TestWallet } from "./wallet";

const ROOT = path.resolve(__dirname, "..", "..");
const OUT = path.join(ROOT, "results", "e2e");
const NEXT_BIN = require.resolve("next/dist/bin/next");
const CHAIN_ID = 31337;
/** Hardhat's default accounts. */
const MNEMONIC = "test test test test test test test test test test test junk";
const UI_TIMEOUT = 60_000;
const FLAGS = new Set(process.argv.slice(2));

const log = (message: string) => process.stderr.write(`[e2e] ${message}\n`);

// ---------------------------------------------------------------------------------------------
// A tiny sequential runner: a failing "required" step skips the rest (counted as failed).
// ---------------------------------------------------------------------------------------------

const results: { name: string; ok: boolean; detail?: string }[] = [];
let aborted = false;
let shot = 0;
let page: Page | undefined;

async function screenshot(name: string): Promise<void> {
  if (!page || page.isClosed()) return;
  const file = path.join(OUT, `${String(++shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
}

async function step(name: string, fn: () => Promise<void>, options: { required?: boolean } = {}): Promise<void> {
  if (aborted) {
    results.push({ name, ok: false, detail: "not run: an earlier required step failed" });
    log(`SKIP ${name}`);
    return;
  }
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    log(`PASS ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    const detail = (error as Error).stack ?? String(error);
    results.push({ name, ok: false, detail });
    log(`FAIL ${name}: ${detail}`);
    await screenshot(`failed-${name.replace(/[^a-z0-9]+/gi, "-").slice(0, 40)}`);
    if (options.required) aborted = true;
  }
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

// ---------------------------------------------------------------------------------------------
// Processes this suite starts, stopped by PID in `finally`.
// ---------------------------------------------------------------------------------------------

/** Children still running, killed by PID if this process exits or is interrupted before `finally`. */
const running = new Set<ChildProcess>();
const killRunning = () => running.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill("SIGTERM"));
process.on("exit", killRunning);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.prependOnceListener(signal, () => {
    killRunning();
    process.exit(130);
  });
}

async function startNext(port: number, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, [NEXT_BIN, "start", "web", "--port", String(port), "--hostname", "127.0.0.1"], {
    cwd: ROOT,
    env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/deployment`);
      if (r.ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  child.kill("SIGTERM");
  throw new Error(`next start did not answer within 60 s:\n${output}`);
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (child) running.delete(child);
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------
// Protocol helpers (client library, as participants' nodes use it).
// ---------------------------------------------------------------------------------------------

function randomDelta(n: number, seed: number, range: number): Float64Array {
  const random = mulberry32(seed);
  return Float64Array.from({ length: n }, () => (random() * 2 - 1) * range);
}

/**
 * Plaintext average, per chunk over the participants that submitted that chunk, of the clipped deltas
 * or (`quantized`) of what each participant's b-bit codes stand for. The decrypted aggregate must equal
 * the latter up to float rounding, and the former within one quantization step.
 */
function expectedMean(layout: Layout, deltas: Float64Array[], chunksOf: number[][], quantized: boolean): Float64Array {
  const values = deltas.map((d) => {
    const clipped = d.map((x) => Math.min(Math.max(x, -layout.clip), layout.clip));
    return quantized
      ? dequantize(quantize(clipped, layout.clip, layout.valueBits), layout.clip, layout.valueBits)
      : clipped;
  });
  const out = new Float64Array(layout.paramCount);
  for (let c = 0; c < layout.chunkCount; c++) {
    const { first, count } = chunkParams(layout, c);
    const who = values.filter((_, p) => chunksOf[p].includes(c));
    for (let i = first; i < first + count; i++) out[i] = who.reduce((sum, v) => sum + v[i], 0) / who.length;
  }
  return out;
}

/** Checks a decrypted aggregate against both plaintext averages; returns the error to the raw one. */
function checkAverage(layout: Layout, got: ArrayLike<number>, deltas: Float64Array[], chunksOf: number[][]): number {
  const n = got.length;
  const exact = maxDiff(got, expectedMean(layout, deltas, chunksOf, true).subarray(0, n));
  assert(exact <= 1e-9, `aggregate differs from the average of the quantized updates by ${exact}`);
  const raw = maxDiff(got, expectedMean(layout, deltas, chunksOf, false).subarray(0, n));
  const step = quantStep(layout.clip, layout.valueBits);
  assert(raw <= step, `aggregate differs from the plaintext average by ${raw} (> one step, ${step})`);
  return raw;
}

/** Submits the given chunks of a participant's update; returns the receipts. */
async function submitChunks(
  aggregator: FLuFHEAggregator,
  fhevm: FhevmConnection,
  taskId: bigint,
  layout: Layout,
  delta: Float64Array,
  chunks: number[],
): Promise<TransactionReceipt[]> {
  const encoded = encodeUpdate(delta, layout);
  if (chunks.length === layout.chunkCount) {
    return submitUpdate({ aggregator, instance: fhevm.instance, taskId, round: 1, chunks: encoded, layout });
  }
  const user = await (aggregator.runner as unknown as { getAddress(): Promise<string> }).getAddress();
  const receipts: TransactionReceipt[] = [];
  for (const c of chunks) {
    const e = await encryptWords(fhevm.instance, await aggregator.getAddress(), user, encoded[c]);
    const tx = await aggregator.submitChunk(taskId, 1, c, e.handles, e.proofs, {
      gasLimit: chunkGasLimit(chunkWords(layout, c).count),
    });
    receipts.push((await tx.wait())!);
  }
  return receipts;
}

// ---------------------------------------------------------------------------------------------
// Page helpers.
// ---------------------------------------------------------------------------------------------

async function text(p: Page, selector: string): Promise<string> {
  return (await p.locator(selector).first().textContent({ timeout: UI_TIMEOUT })) ?? "";
}

async function shownValues(p: Page): Promise<number[]> {
  const cells = p.locator('[data-testid^="value-"]');
  const n = await cells.count();
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Number(await cells.nth(i).getAttribute("data-value")));
  return out;
}

async function downloadJson(p: Page): Promise<{ averagedDelta: number[]; round: number; taskId: string }> {
  const [download] = await Promise.all([
    p.waitForEvent("download", { timeout: UI_TIMEOUT }),
    p.getByRole("button", { name: "Download as JSON" }).click(),
  ]);
  const file = await download.path();
  return JSON.parse(readFileSync(file, "utf8"));
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert(a.length === b.length, `lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// ---------------------------------------------------------------------------------------------
// The suite.
// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const tmp = mkdtempSync(path.join(os.tmpdir(), "flufhe-e2e-"));
  const started = Date.now();
  let devnet: Devnet | undefined;
  let next: ChildProcess | undefined;
  let context: BrowserContext | undefined;
  const consoleErrors: string[] = [];

  try {
    if (!FLAGS.has("--skip-build")) {
      log("building the web app (next build web)…");
      const t = Date.now();
      execFileSync(process.execPath, [NEXT_BIN, "build", "web"], {
        cwd: ROOT,
        env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
        stdio: ["ignore", "ignore", "inherit"],
      });
      log(`built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }

    // Chain: devnet, aggregator, the owner's wallet key, participants (the node's unlocked accounts).
    devnet = await startDevnet();
    log(`devnet ${devnet.url} (pid ${devnet.pid})`);
    const provider = new JsonRpcProvider(devnet.url, undefined, { cacheTimeout: -1, staticNetwork: true });
    const deployed = await deployAggregator(await provider.getSigner(0));
    const address = await deployed.aggregator.getAddress();
    const aggregator = FLuFHEAggregator__factory.connect(address, provider);
    const fhevm = await connectLocalFhevm(devnet.url);
    const ownerKey = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), "m/44'/60'/0'/0/0").privateKey;
    const participants = await Promise.all([1, 2, 3].map((i) => provider.getSigner(i)));
    const participantAddresses = await Promise.all(participants.map((s) => s.getAddress()));

    const deploymentsDir = path.join(tmp, "deployments");
    writeDeployment(
      {
        network: "localhost",
        chainId: CHAIN_ID,
        aggregator: address,
        blockNumber: deployed.blockNumber,
        rpcUrl: devnet.url,
      },
      deploymentsDir,
    );
    const evalDir = path.join(tmp, "evaluations");
    mkdirSync(evalDir);
    const evaluations = {
      rounds: [
        { round: 1, accuracy: 0.71, loss: 0.62 },
        { round: 2, accuracy: 0.83 },
      ],
    };
    writeFileSync(path.join(evalDir, "task-1.json"), JSON.stringify(evaluations));

    const port = await freePort();
    next = await startNext(port, {
      FLUFHE_DEPLOYMENTS_DIR: deploymentsDir,
      FLUFHE_NETWORK: "localhost",
      FLUFHE_RPC_URL: "", // the node comes from the deployment's rpcUrl
      FLUFHE_EVALUATIONS_DIR: evalDir,
    });
    const base = `http://127.0.0.1:${port}`;
    log(`next start ${base} (pid ${next.pid})`);

    const profile = path.join(tmp, "chromium");
    context = await chromium.launchPersistentContext(profile, {
      executablePath: execFileSync("which", ["chromium"]).toString().trim(),
      headless: !FLAGS.has("--headed"),
      viewport: { width: 1366, height: 900 },
      acceptDownloads: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const watch = (p: Page, label: string) => {
      p.on("console", (m) => m.type() === "error" && consoleErrors.push(`${label}: ${m.text()}`));
      p.on("pageerror", (e) => consoleErrors.push(`${label}: ${e.message}`));
    };

    await step("without a wallet the page says so and still lists tasks", async () => {
      page = context!.pages()[0] ?? (await context!.newPage());
      watch(page, "no-wallet page");
      await page.goto(base);
      await page.getByText("No wallet found").waitFor({ timeout: UI_TIMEOUT });
      await page.getByText("No tasks yet").waitFor({ timeout: UI_TIMEOUT });
      await screenshot("no-wallet");
      await page.close();
    });

    const wallet = new TestWallet(ownerKey, provider, CHAIN_ID, 1);
    page = await context.newPage();
    watch(page, "wallet page");
    await wallet.attach(page);
    const p = page;

    await step(
      "keyboard: Tab reaches Connect, Enter connects and the wallet is asked to switch to the devnet",
      async () => {
        await p.goto(base);
        const connect = p.getByRole("button", { name: "Connect E2E Test Wallet" });
        await connect.waitFor({ timeout: UI_TIMEOUT });
        let focused = "";
        for (let i = 0; i < 20 && !focused.startsWith("Connect"); i++) {
          await p.keyboard.press("Tab");
          focused = (await p.evaluate("document.activeElement && document.activeElement.textContent")) as string;
        }
        assert(focused.startsWith("Connect"), `Tab never reached the Connect button (last focus: "${focused}")`);
        await p.keyboard.press("Enter");
        await p.getByText("Connected as").waitFor({ timeout: UI_TIMEOUT });
        assert(wallet.calls.includes("wallet_switchEthereumChain"), "the page never asked the wallet to switch");
        const shown = await p.getByTestId("account").getAttribute("title");
        assert(shown === wallet.address, `connected account ${shown} is not the wallet's ${wallet.address}`);
      },
      { required: true },
    );

    await step(
      "a wallet moved to another chain is reported, and the page switches it back",
      async () => {
        await wallet.setChain(1);
        await p.getByText("Wrong network").waitFor({ timeout: UI_TIMEOUT });
        await screenshot("wrong-chain");
        await p.getByRole("button", { name: `Switch to chain ${CHAIN_ID}` }).click();
        await p.getByText("Connected as").waitFor({ timeout: UI_TIMEOUT });
        assert(wallet.chainId === CHAIN_ID, `the wallet is on chain ${wallet.chainId}`);
      },
      { required: true },
    );

    // Model init: an MLP 30 -> [8] -> 2 (266 parameters), 8-bit values, cohort up to 4, 8-word chunks.
    const form = { maxCohort: 4, wordsPerChunk: 8, clip: 0.5 };
    let layout: Layout | undefined;
    await step(
      "model init: live cost preview equals planSubmission, the task is created on-chain",
      async () => {
        await p.getByRole("link", { name: "New task" }).click();
        await p.getByLabel("Architecture", { exact: true }).selectOption("mlp");
        await p.getByLabel("Input shape", { exact: true }).fill("30");
        await p.getByLabel("Classes", { exact: true }).fill("2");
        await p.getByLabel("Hidden sizes", { exact: true }).fill("8");
        await p.getByLabel("Initialisation seed", { exact: true }).fill("7");
        await p.getByLabel("Clip bound (C)", { exact: true }).fill(String(form.clip));
        await p.getByLabel("Words per chunk", { exact: true }).fill(String(form.wordsPerChunk));
        await p.getByLabel("Maximum cohort", { exact: true }).fill(String(form.maxCohort));
        await p.getByLabel("Rounds", { exact: true }).fill("2");
        await p.getByLabel("Participant addresses", { exact: true }).fill(participantAddresses.join("\n"));
        await p.getByTestId("model-commitment").waitFor({ timeout: UI_TIMEOUT });
        const commitment = await text(p, '[data-testid="model-commitment"]');
        assert(commitment.startsWith("266 parameters"), `model commitment says "${commitment}"`);

        const chosen = chooseCodec({ paramCount: 266, maxCohort: form.maxCohort, clip: form.clip });
        const plan = planSubmission({ ...chosen, wordsPerChunk: form.wordsPerChunk }, form.maxCohort);
        layout = plan.layout;
        const preview = await text(p, '[data-testid="cost-preview"]');
        for (const [label, value] of [
          ["Encrypted words", String(plan.layout.wordCount)],
          ["Transactions per participant per round", String(plan.txPerParticipant)],
          ["Input proofs per participant per round", String(plan.proofsPerParticipant)],
        ]) {
          assert(preview.includes(label + value), `cost preview lacks "${label} ${value}": ${preview}`);
        }
        assert(
          preview.includes(`${(plan.hcuPerParticipant / 1e6).toFixed(2)}M`),
          `cost preview lacks HCU ${plan.hcuPerParticipant}: ${preview}`,
        );
        await screenshot("model-init");
        await p.getByRole("button", { name: "Create task" }).click();
        await p.waitForURL(/\/tasks\/1$/, { timeout: UI_TIMEOUT });
        const task = await aggregator.getTask(1);
        assert(Number(task.config.codec.paramCount) === 266, "the task on-chain does not have 266 parameters");
        assert(Number(task.chunkCount) === plan.layout.chunkCount, "chunk count differs from the plan");
        assert(task.owner === wallet.address, "the task owner is not the wallet");
      },
      { required: true },
    );

    await step(
      "dashboard: the owner opens round 1 (pending, then confirmed)",
      async () => {
        await p.getByRole("button", { name: "Open round 1" }).click();
        await p.getByText(/Open round 1: confirmed in block/).waitFor({ timeout: UI_TIMEOUT });
        await p.getByTestId("round-1-state").filter({ hasText: "Open" }).waitFor({ timeout: UI_TIMEOUT });
        await p.getByText(/closes in/).waitFor({ timeout: UI_TIMEOUT });
        await screenshot("round-open");
      },
      { required: true },
    );

    const deltas = participants.map((_, i) => randomDelta(266, 100 + i, 0.6)); // some coordinates get clipped
    const chunksOf = [
      [0, 1, 2],
      [0, 1, 2],
      [0, 1],
    ];
    const receipts: TransactionReceipt[] = [];
    await step(
      "live updates: submissions appear with contributors per chunk, gas and HCU from the receipts",
      async () => {
        for (const [i, signer] of participants.entries()) {
          const r = await submitChunks(aggregator.connect(signer), fhevm, 1n, layout!, deltas[i], chunksOf[i]);
          receipts.push(...r);
        }
        await p.getByText("2 of 3 submitted every chunk").waitFor({ timeout: UI_TIMEOUT });
        await p.getByText(`3 of ${layout!.chunkCount} (K = 2)`).waitFor({ timeout: UI_TIMEOUT });
        const gas = receipts.reduce((s, r) => s + Number(r.gasUsed), 0);
        const hcu = receipts.reduce((s, r) => s + fhevm.hcuOf(r), 0);
        const cost = p.getByTestId("round-1-cost");
        const deadline = Date.now() + UI_TIMEOUT;
        let shown = ["", ""];
        while (Date.now() < deadline) {
          shown = [
            (await cost.getAttribute("data-submission-gas")) ?? "",
            (await cost.getAttribute("data-submission-hcu")) ?? "",
          ];
          if (shown[0] === String(gas) && shown[1] === String(hcu)) break;
          await p.waitForTimeout(250);
        }
        assert(shown[0] === String(gas), `gas shown ${shown[0]}, receipts say ${gas}`);
        assert(shown[1] === String(hcu) && hcu > 0, `HCU shown ${shown[1]}, coprocessor events say ${hcu}`);
        const bars = await p.locator('svg[aria-label^="Contributors per chunk"]').first().getAttribute("aria-label");
        assert(bars?.includes("minimum 2, maximum 3"), `chunk chart says "${bars}"`);
        await screenshot("submissions");
      },
      { required: true },
    );

    await step(
      "the owner closes and reveals round 1",
      async () => {
        await p.getByRole("button", { name: "Close round 1" }).click();
        await p.getByTestId("round-1-state").filter({ hasText: "Closed" }).waitFor({ timeout: UI_TIMEOUT });
        await p.getByRole("button", { name: "Reveal round 1" }).click();
        await p.getByTestId("round-1-state").filter({ hasText: "Revealed" }).waitFor({ timeout: UI_TIMEOUT });
        await screenshot("revealed");
      },
      { required: true },
    );

    await step("a rejected EIP-712 signature is reported and nothing is decrypted", async () => {
      wallet.rejectNext.add("eth_signTypedData_v4");
      await p.getByRole("button", { name: "Decrypt round 1" }).click();
      await p.getByText(/Signature rejected: nothing was decrypted/).waitFor({ timeout: UI_TIMEOUT });
      assert((await p.getByTestId("model-result").count()) === 0, "a result is shown after a rejected signature");
      const granted = await aggregator.queryFilter(aggregator.filters.AggregateAccessGranted(1n, 1n, wallet.address));
      assert(granted.length > 0, "allowAggregate was not sent before the signature");
      await screenshot("signature-rejected");
    });

    await step(
      "user decryption in the page equals the plaintext average (shown values and JSON download)",
      async () => {
        const grantsBefore = wallet.calls.filter((c) => c === "eth_sendTransaction").length;
        await p.getByRole("button", { name: "Decrypt round 1" }).click();
        await p.getByTestId("model-result").waitFor({ timeout: 120_000 });
        const shown = await shownValues(p);
        assert(shown.length === 12, `expected 12 values on screen, got ${shown.length}`);
        checkAverage(layout!, shown, deltas, chunksOf);
        const json = await downloadJson(p);
        assert(json.taskId === "1" && json.round === 1, "download is not task 1 round 1");
        const error = checkAverage(layout!, json.averagedDelta, deltas, chunksOf);
        const mean = json.averagedDelta.reduce((s, v) => s + v, 0) / layout!.paramCount;
        const meanShown = Number(await p.locator("th:text-is('Mean') + td").getAttribute("data-value"));
        assert(Math.abs(meanShown - mean) <= 1e-12, `mean shown ${meanShown}, downloaded values give ${mean}`);
        const grantsAfter = wallet.calls.filter((c) => c === "eth_sendTransaction").length;
        assert(grantsAfter === grantsBefore, "access was granted again although the events show it");
        log(`decrypted: max error to the plaintext average ${error.toExponential(2)}`);
        await screenshot("decrypted");
      },
    );

    await step("the accuracy chart shows the reported evaluations", async () => {
      const chart = p.locator('svg[aria-label^="Accuracy per round"]');
      await chart.waitFor({ timeout: UI_TIMEOUT });
      const label = await chart.getAttribute("aria-label");
      assert(label?.includes("round 1 71.0 %") && label.includes("round 2 83.0 %"), `chart says "${label}"`);
    });

    await step("every form control on the model-init page has a label", async () => {
      await p.goto(`${base}/tasks/new`);
      await p.getByLabel("Architecture", { exact: true }).waitFor({ timeout: UI_TIMEOUT });
      const unlabelled = (await p.evaluate(`[...document.querySelectorAll("input, select, textarea, button")]
        .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !(el.textContent || "").trim())
        .map((el) => el.outerHTML.slice(0, 80))`)) as string[];
      assert(unlabelled.length === 0, `unlabelled controls: ${unlabelled.join(" | ")}`);
    });

    await step(
      "PUBLIC policy: public-decrypt equals the plaintext average and the proof is verified on-chain",
      async () => {
        const owner = await provider.getSigner(0);
        const codec = { ...chooseCodec({ paramCount: 266, maxCohort: 4, clip: 0.5 }), wordsPerChunk: 8 };
        const publicLayout = layoutOf(codec, 4);
        const config = {
          modelHash: "0x" + "ab".repeat(32),
          modelURI: "e2e://public",
          codec: toOnChainCodec(codec),
          minCohort: 2,
          maxCohort: 4,
          rounds: 1,
          roundDuration: 3600,
          policy: 1,
        };
        const asOwner = aggregator.connect(owner);
        await (await asOwner.createTask(config, participantAddresses)).wait();
        await (await asOwner.openRound(2n, config.modelHash)).wait();
        const publicDeltas = [randomDelta(266, 7, 0.4), randomDelta(266, 8, 0.4)];
        for (const [i, d] of publicDeltas.entries()) {
          await submitChunks(aggregator.connect(participants[i]), fhevm, 2n, publicLayout, d, [0, 1, 2]);
        }
        await (await asOwner.closeRound(2n, 1)).wait();
        await (await asOwner.revealRound(2n, 1)).wait();

        await p.goto(`${base}/tasks/2`);
        await p.getByRole("button", { name: "Public-decrypt round 1" }).click();
        await p.getByTestId("model-result").waitFor({ timeout: 120_000 });
        const json = await downloadJson(p);
        checkAverage(publicLayout, json.averagedDelta, publicDeltas, [
          [0, 1, 2],
          [0, 1, 2],
        ]);
        await p.getByRole("button", { name: "Post the clear aggregate on-chain" }).click();
        await p.getByText("The clear aggregate is verified on-chain").waitFor({ timeout: UI_TIMEOUT });
        const commitment = await aggregator.clearAggregateCommitment(2n, 1);
        assert(commitment !== "0x" + "0".repeat(64), "no clear-aggregate commitment on-chain");
        await screenshot("public-published");
      },
    );

    await step("no console errors in any page", async () => {
      assert(consoleErrors.length === 0, `console errors:\n${consoleErrors.join("\n")}`);
    });
  } catch (error) {
    results.push({ name: "suite setup", ok: false, detail: (error as Error).stack ?? String(error) });
    log(`FAIL suite setup: ${(error as Error).stack ?? error}`);
  } finally {
    await context?.close().catch(() => undefined);
    await stopChild(next);
    await devnet?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  log(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${path.relative(ROOT, OUT)}/`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.stdout.write("0 passed, 1 failed\n");
    process.exit(1);
  },
);
