/**
 * Browser end-to-end suite of the web app (`npm run test:e2e`, vitest with vitest.e2e.config.ts): a
 * Hardhat fhEVM devnet, the aggregator deployed, `next start` on a free 127.0.0.1 port, Debian's
 * Chromium through playwright-core with an injected EIP-1193 test wallet. The owner connects, creates a
 * task in the page and runs the round from the dashboard; participants submit through the client
 * library; the page decrypts the aggregate and the values it shows must equal the plaintext average.
 *
 * Each step is one test, run in order; a failed required step skips the rest. A failed step leaves a
 * screenshot and the page's console and alert text in results/e2e-failures/<timestamp>/; screenshots of
 * the scenario's stages go to results/e2e/. Everything started in beforeAll is stopped by PID in afterAll.
 * Environment: FLUFHE_E2E_BUILD=auto|always|never (auto: build unless web/.next is this suite's build of
 * the current sources), FLUFHE_E2E_HEADED=1.
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, type JsonRpcSigner, type TransactionReceipt } from "ethers";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe } from "vitest";
import { layoutOf } from "../../../client/src/codec";
import { chooseCodec, planSubmission } from "../../../client/src/protocol/plan";
import type { Layout } from "../../../client/src/codec/layout";
import { writeDeployment } from "../../../client/src/chain/deployment";
import { deployAggregator } from "../../../client/src/chain/owner";
import { toOnChainCodec } from "../../../client/src/protocol/taskConfig";
import type { FhevmConnection } from "../../../client/src/fhe/instance";
import { openNetwork, type Network } from "../../../client/src/chain/network";
import { FLuFHEAggregator__factory, type FLuFHEAggregator } from "../../../types";
import { freePort, startDevnet, type Devnet } from "../../../scripts/lib/devnet";
import { TestWallet } from "../wallet";
import { UI_TIMEOUT, checkAverage, downloadJson, randomDelta, shownValues, submitChunks, text } from "./checks";
import {
  ConsoleLog,
  FailureArtifacts,
  ROOT,
  assert,
  closeChromium,
  ensureBuild,
  launchChromium,
  log,
  startNext,
  stepper,
  stopAllChildren,
  stopChild,
} from "./harness";

const OUT = path.join(ROOT, "results", "e2e");
const CHAIN_ID = 31337;
/** Hardhat's default accounts. */
const MNEMONIC = "test test test test test test test test test test test junk";
/** A step's own deadline; vitest.e2e.config.ts's testTimeout sits above it. */
const STEP_TIMEOUT = 300_000;

describe.sequential("web app in Chromium: connect, model init, round lifecycle, decryption", () => {
  // Set up in beforeAll, shared by the steps.
  const tmp = mkdtempSync(path.join(os.tmpdir(), "flufhe-e2e-"));
  const profile = path.join(tmp, "chromium");
  const consoleLog = new ConsoleLog();
  const artifacts = new FailureArtifacts(consoleLog);
  let devnet: Devnet | undefined;
  let next: ChildProcess | undefined;
  let context: BrowserContext | undefined;
  let provider: JsonRpcProvider;
  let aggregator: FLuFHEAggregator;
  /** The participants' fhEVM connection (its own provider, closed in afterAll). */
  let network: Network | undefined;
  let fhevm: FhevmConnection;
  let ownerKey: string;
  let participants: JsonRpcSigner[];
  let participantAddresses: string[];
  let base: string;
  /** The page a failure screenshot is taken of. */
  let page: Page | undefined;
  let shot = 0;

  async function screenshot(name: string): Promise<void> {
    if (!page || page.isClosed()) return;
    const file = path.join(OUT, `${String(++shot).padStart(2, "0")}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
  }

  beforeAll(async () => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    await ensureBuild();

    // Chain: devnet, aggregator, the owner's wallet key, participants (the node's unlocked accounts).
    devnet = await startDevnet();
    log(`devnet ${devnet.url} (pid ${devnet.pid})`);
    provider = new JsonRpcProvider(devnet.url, undefined, { cacheTimeout: -1, staticNetwork: true });
    const deployed = await deployAggregator(await provider.getSigner(0));
    const address = await deployed.aggregator.getAddress();
    aggregator = FLuFHEAggregator__factory.connect(address, provider);
    network = await openNetwork(devnet.url);
    fhevm = network.fhevm;
    ownerKey = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), "m/44'/60'/0'/0/0").privateKey;
    participants = await Promise.all([1, 2, 3].map((i) => provider.getSigner(i)));
    participantAddresses = await Promise.all(participants.map((s) => s.getAddress()));

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
    base = `http://127.0.0.1:${port}`;
    log(`next start ${base} (pid ${next.pid})`);

    context = await launchChromium(profile);
  });

  afterAll(async () => {
    await closeChromium(context, profile);
    await stopChild(next);
    await devnet?.stop();
    await stopAllChildren(); // e.g. a build still running after a beforeAll timeout
    network?.close();
    provider?.destroy();
    rmSync(tmp, { recursive: true, force: true });
    log(`screenshots of the stages in ${path.relative(ROOT, OUT)}/`);
  });

  const { step } = stepper({ page: () => page, artifacts, timeoutMs: STEP_TIMEOUT });

  step("without a wallet the page says so and still lists tasks", async () => {
    page = context!.pages()[0] ?? (await context!.newPage());
    consoleLog.watch(page, "no-wallet page");
    await page.goto(base);
    await page.getByText("No wallet found").waitFor({ timeout: UI_TIMEOUT });
    await page.getByText("No tasks yet").waitFor({ timeout: UI_TIMEOUT });
    await screenshot("no-wallet");
    await page.close();
  });

  let wallet: TestWallet;
  /** The page with the injected test wallet, used by every later step. */
  let p: Page;

  step(
    "keyboard: Tab reaches Connect, Enter connects and the wallet is asked to switch to the devnet",
    async () => {
      wallet = new TestWallet(ownerKey, provider, CHAIN_ID, 1);
      p = page = await context!.newPage();
      consoleLog.watch(p, "wallet page");
      await wallet.attach(p);

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

  step(
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

  // Model init: an MLP 30 -> [8] -> 2 (266 parameters), 8-bit values, K = 2, cohort up to 4, 8-word chunks.
  // The form defaults to 16-bit values and K = 3 (TASK_DEFAULTS): this scenario sets both.
  const form = { valueBits: 8, minCohort: 2, maxCohort: 4, wordsPerChunk: 8, clip: 0.5 };
  let layout: Layout;
  step(
    "model init: live cost preview equals planSubmission, the task is created on-chain",
    async () => {
      await p.getByRole("link", { name: "New task" }).click();
      await p.getByLabel("Architecture", { exact: true }).selectOption("mlp");
      await p.getByLabel("Input shape", { exact: true }).fill("30");
      await p.getByLabel("Classes", { exact: true }).fill("2");
      await p.getByLabel("Hidden sizes", { exact: true }).fill("8");
      await p.getByLabel("Initialisation seed", { exact: true }).fill("7");
      await p.getByLabel("Value bits (b)", { exact: true }).fill(String(form.valueBits));
      await p.getByLabel("Clip bound (C)", { exact: true }).fill(String(form.clip));
      await p.getByLabel("Words per chunk", { exact: true }).fill(String(form.wordsPerChunk));
      await p.getByLabel("Minimum cohort (K)", { exact: true }).fill(String(form.minCohort));
      await p.getByLabel("Maximum cohort", { exact: true }).fill(String(form.maxCohort));
      await p.getByLabel("Rounds", { exact: true }).fill("2");
      await p.getByLabel("Participant addresses", { exact: true }).fill(participantAddresses.join("\n"));
      await p.getByTestId("model-commitment").waitFor({ timeout: UI_TIMEOUT });
      const commitment = await text(p, '[data-testid="model-commitment"]');
      assert(commitment.startsWith("266 parameters"), `model commitment says "${commitment}"`);

      const chosen = chooseCodec({
        paramCount: 266,
        maxCohort: form.maxCohort,
        valueBits: form.valueBits,
        clip: form.clip,
      });
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

  step(
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

  // Participant p submits chunksOf[p]; some coordinates of the deltas get clipped.
  let deltas: Float64Array[];
  const chunksOf = [
    [0, 1, 2],
    [0, 1, 2],
    [0, 1],
  ];
  step(
    "live updates: submissions appear with contributors per chunk, gas and HCU from the receipts",
    async () => {
      deltas = participants.map((_, i) => randomDelta(266, 100 + i, 0.6));
      const receipts: TransactionReceipt[] = [];
      for (const [i, signer] of participants.entries()) {
        const r = await submitChunks(aggregator.connect(signer), fhevm, 1n, layout, deltas[i], chunksOf[i]);
        receipts.push(...r);
      }
      await p.getByText("2 of 3 submitted every chunk").waitFor({ timeout: UI_TIMEOUT });
      await p.getByText(`3 of ${layout.chunkCount} (K = 2)`).waitFor({ timeout: UI_TIMEOUT });
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

  step(
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

  step("a rejected EIP-712 signature is reported and nothing is decrypted", async () => {
    wallet.rejectNext.add("eth_signTypedData_v4");
    await p.getByRole("button", { name: "Decrypt round 1" }).click();
    await p.getByText(/Signature rejected: nothing was decrypted/).waitFor({ timeout: UI_TIMEOUT });
    assert((await p.getByTestId("model-result").count()) === 0, "a result is shown after a rejected signature");
    const granted = await aggregator.queryFilter(aggregator.filters.AggregateAccessGranted(1n, 1n, wallet.address));
    assert(granted.length > 0, "allowAggregate was not sent before the signature");
    await screenshot("signature-rejected");
  });

  step("user decryption in the page equals the plaintext average (shown values and JSON download)", async () => {
    const grantsBefore = wallet.calls.filter((c) => c === "eth_sendTransaction").length;
    await p.getByRole("button", { name: "Decrypt round 1" }).click();
    await p.getByTestId("model-result").waitFor({ timeout: 120_000 });
    const shown = await shownValues(p);
    assert(shown.length === 12, `expected 12 values on screen, got ${shown.length}`);
    checkAverage(layout, shown, deltas, chunksOf);
    const json = await downloadJson(p);
    assert(json.taskId === "1" && json.round === 1, "download is not task 1 round 1");
    const error = checkAverage(layout, json.averagedDelta, deltas, chunksOf);
    const mean = json.averagedDelta.reduce((s, v) => s + v, 0) / layout.paramCount;
    const meanShown = Number(await p.locator("th:text-is('Mean') + td").getAttribute("data-value"));
    assert(Math.abs(meanShown - mean) <= 1e-12, `mean shown ${meanShown}, downloaded values give ${mean}`);
    const grantsAfter = wallet.calls.filter((c) => c === "eth_sendTransaction").length;
    assert(grantsAfter === grantsBefore, "access was granted again although the events show it");
    log(`decrypted: max error to the plaintext average ${error.toExponential(2)}`);
    await screenshot("decrypted");
  });

  step("the accuracy chart shows the reported evaluations", async () => {
    const chart = p.locator('svg[aria-label^="Accuracy per round"]');
    await chart.waitFor({ timeout: UI_TIMEOUT });
    const label = await chart.getAttribute("aria-label");
    assert(label?.includes("round 1 71.0 %") && label.includes("round 2 83.0 %"), `chart says "${label}"`);
  });

  step("every form control on the model-init page has a label", async () => {
    await p.goto(`${base}/tasks/new`);
    await p.getByLabel("Architecture", { exact: true }).waitFor({ timeout: UI_TIMEOUT });
    const unlabelled = (await p.evaluate(`[...document.querySelectorAll("input, select, textarea, button")]
      .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !(el.textContent || "").trim())
      .map((el) => el.outerHTML.slice(0, 80))`)) as string[];
    assert(unlabelled.length === 0, `unlabelled controls: ${unlabelled.join(" | ")}`);
  });

  step("PUBLIC policy: public-decrypt equals the plaintext average and the proof is verified on-chain", async () => {
    const owner = await provider.getSigner(0);
    const codec = { ...chooseCodec({ paramCount: 266, maxCohort: 4, valueBits: 8, clip: 0.5 }), wordsPerChunk: 8 };
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
  });

  step("no console errors in any page", async () => {
    assert(consoleLog.errors.length === 0, `console errors:\n${consoleLog.errors.join("\n")}`);
  });
});
