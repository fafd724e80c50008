/**
 * Browser e2e of the participant view (`npm run test:e2e`): one breast-cancer logistic-regression task
 * (62 parameters, today's 8-bit codec, 3 chunks of 2 words, K = 3, PUBLIC policy) whose round 1 gets
 * three updates: two from Chromium profiles (each its own injected test wallet and its own CSV, trained
 * in the page's Web Worker) and one from a `flufhe node` process on a third CSV. Checks: the decrypted
 * aggregate is the plaintext sum of the three encoded updates (browser ones read from IndexedDB, the
 * node's from its state file), the browser's update equals the node's training on the same file and
 * seed within one quantization step, a page whose update is on chain says it is submitted (also after a
 * reload and after the reveal) and sends nothing again, no request carries a data file, and after the
 * reveal each page shows its accuracy. Task 2 promises DP: the page shows the promise, refuses (its
 * ledger) a file already used without DP once it has a budget, trains one DP-SGD round on another file,
 * charges it and submits it; the page has no horizontal scroll at phone width (390 px). Task 3 is a pca
 * task (its 30 x 2 kernel sent through 4 public input directions): each page asks for the task's input
 * basis and trains nothing without it, refuses another basis file, keeps the owner's, trains and submits;
 * after the reveal a page rebuilds, with that basis, exactly the model the owner opened round 2 with. The stack is
 * useWebStack's (fixture.ts), stopped by PID in afterAll.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { JsonRpcProvider } from "ethers";
import type { Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe } from "vitest";
import { withInputBasis } from "../../../client/src/codec/encoding";
import { principalInputBasis } from "../../../client/src/codec/inputBasis";
import { unpackWord } from "../../../client/src/codec/lanes";
import type { Layout } from "../../../client/src/codec/layout";
import { fetchAggregate } from "../../../client/src/chain/aggregate";
import type { Network } from "../../../client/src/chain/network";
import { initBackend } from "../../../client/src/ml/backend";
import { buildModel, getFlatWeights, setFlatWeights } from "../../../client/src/ml/models";
import { loadDataset } from "../../../client/src/ml/registry";
import { loadBreastCancer } from "../../../client/src/ml/sklearn";
import { evaluate, trainLocal } from "../../../client/src/ml/train";
import { encodeRound, taskEncoding } from "../../../client/src/node/encoding";
import { fromHexChunks } from "../../../client/src/node/hexChunks";
import { OwnerSession } from "../../../client/src/node/owner";
import { planTask } from "../../../client/src/node/planTask";
import { localTrainingSeed } from "../../../client/src/node/training";
import { inputBasisFile } from "../../../client/src/protocol/inputBasisFile";
import type { ModelSpec } from "../../../client/src/protocol/modelSpec";
import { describePrivacy, privacyFromChoices } from "../../../client/src/protocol/privacy";
import { layoutFromTask } from "../../../client/src/protocol/taskConfig";
import { Policy } from "../../../client/src/protocol/vocabulary";
import type { FLuFHEAggregator } from "../../../types";
import { spawnParticipant, type ParticipantProcess } from "../../../scripts/lib/participants";
import {
  ENCRYPTION_WORKER_NAME,
  MAX_THREADS,
  engineLine,
  type EncryptEngine,
} from "../../../web/src/participate/encryptProtocol";
import { TestWallet } from "../wallet";
import { UI_TIMEOUT } from "./checks";
import { stepper, useWebStack } from "./fixture";
import { CHAIN_ID, STEP_TIMEOUT, devnetKey, assert, log } from "./harness";

const SPEC: ModelSpec = { kind: "logreg", inputShape: [30], numClasses: 2, seed: 11 };
/** Screenshots of the participate page at desktop and phone width, to look at. */
const SCREENS = path.join(os.tmpdir(), "flufhe-participate-screens");
/** Task 2 promises DP over its one round: 10 DP-SGD steps sampling 5% of the records (cheap to train). */
const DP_SPEC: ModelSpec = {
  ...SPEC,
  privacy: privacyFromChoices(
    { noiseMultiplier: 1.1, delta: 1e-5, clipNorm: 1, samplingRate: 0.05, stepsPerRound: 10 },
    1,
  ),
};
/**
 * Task 3's input basis: the 4 leading directions of breast cancer's first 60 records (standing in for the
 * owner's public records), and another one (3 directions) no task committed to.
 */
const PUBLIC_RECORDS = loadBreastCancer().x.subarray(0, 60 * 30);
const BASIS = principalInputBasis(PUBLIC_RECORDS, 60, 30, 4).basis;
const OTHER_BASIS = principalInputBasis(PUBLIC_RECORDS, 60, 30, 3).basis;
const PCA_SPEC: ModelSpec = { ...SPEC, seed: 12, encoding: withInputBasis({ kind: "pca", keep: 4 }, BASIS) };
/** What `flufhe node` uses when not told otherwise (--seed 1 --epochs 1 --batch-size 32 --lr 0.1). */
const NODE = { seed: 1, epochs: 1, batchSize: 32, learningRate: 0.1 };

/** A third of breast-cancer's raw rows as a participant's CSV (label column "diagnosis" first). */
function writeThird(file: string, part: number): string {
  const all = loadBreastCancer();
  const f = all.numFeatures;
  const n = all.y.length;
  const lines = [["diagnosis", ...Array.from({ length: f }, (_, j) => `feature_${j}`)].join(",")];
  for (let i = Math.floor((part * n) / 3); i < Math.floor(((part + 1) * n) / 3); i++) {
    lines.push([all.y[i], ...all.x.subarray(i * f, (i + 1) * f)].join(","));
  }
  writeFileSync(file, lines.join("\n") + "\n");
  return lines[2];
}

/** The encoded update a page saved in IndexedDB for round 1 (hex words per chunk). */
async function savedUpdate(p: Page): Promise<string[][]> {
  // A string: this file is compiled without the DOM library.
  return p.evaluate(`new Promise((resolve, reject) => {
    const open = indexedDB.open("flufhe-participant");
    open.onerror = () => reject(new Error("no IndexedDB database"));
    open.onsuccess = () => {
      const all = open.result.transaction("participations").objectStore("participations").getAll();
      all.onsuccess = () => {
        const found = all.result.find((r) => r.state && r.state.updates["1"]);
        if (found) resolve(found.state.updates["1"]);
        else reject(new Error("no saved update for round 1"));
      };
    };
  })`);
}

describe.sequential("participants in the browser: two Chromium profiles and one flufhe node", () => {
  let provider: JsonRpcProvider;
  let network: Network;
  let aggregator: FLuFHEAggregator;
  let owner: OwnerSession | undefined;
  let dpOwner: OwnerSession | undefined;
  let pcaOwner: OwnerSession | undefined;
  let layout: Layout;
  let base: string;
  let node: ParticipantProcess | undefined;
  const markers: string[] = [];
  const pages: Page[] = [];
  let page: Page | undefined;
  const bodies: string[] = [];

  // Devnet, aggregator, two Chromium profiles; before `next start` the owner creates the task and opens round 1.
  const stack = useWebStack({
    name: "e2e-participate",
    browsers: 2,
    prepare: async (s) => {
      await initBackend("wasm", () => {}); // as the node: its training is the reference
      ({ provider, network } = s);
      const ownerSigner = await provider.getSigner(0);
      aggregator = s.aggregator.connect(ownerSigner);
      csv.forEach((file, i) => markers.push(writeThird(file, i)));

      const plan = planTask(SPEC, {
        valueBits: 8,
        clip: 0.5,
        minCohort: 3,
        maxCohort: 4,
        wordsPerChunk: 2,
        rounds: 1,
        policy: Policy.Public,
      });
      const listed = await Promise.all([1, 2, 3].map(async (i) => (await provider.getSigner(i)).getAddress()));
      const taskId = await OwnerSession.create(aggregator, plan, listed);
      owner = await OwnerSession.open({ aggregator, instance: network.fhevm.instance, signer: ownerSigner, taskId });
      layout = layoutFromTask(await aggregator.getTask(taskId));
      await owner.openNextRound();
      log(`task ${taskId}: ${layout.paramCount} parameters in ${layout.chunkCount} chunks, round 1 open`);

      const dpPlan = planTask(DP_SPEC, { valueBits: 8, clip: 0.5, minCohort: 3, maxCohort: 4, rounds: 1 });
      const dpTask = await OwnerSession.create(aggregator, dpPlan, listed);
      const signer = ownerSigner;
      dpOwner = await OwnerSession.open({ aggregator, instance: network.fhevm.instance, signer, taskId: dpTask });
      await dpOwner.openNextRound();
      log(`task ${dpTask}: ${describePrivacy(DP_SPEC.privacy)}, round 1 open`);

      // Task 3: pca, two rounds, K = 2 (the two pages); the owner decodes with the basis it computed.
      const artifacts = { inputBasis: BASIS };
      const pcaChoices = { valueBits: 8, clip: 0.5, minCohort: 2, maxCohort: 4, rounds: 2, policy: Policy.Public };
      const pcaPlan = planTask(PCA_SPEC, pcaChoices, artifacts);
      const pcaTask = await OwnerSession.create(aggregator, pcaPlan, listed);
      const instance = network.fhevm.instance;
      pcaOwner = await OwnerSession.open({
        aggregator,
        instance,
        signer,
        taskId: pcaTask,
        encodingArtifacts: artifacts,
      });
      await pcaOwner.openNextRound();
      writeFileSync(basisFile, JSON.stringify(inputBasisFile(BASIS)));
      writeFileSync(otherBasisFile, JSON.stringify(inputBasisFile(OTHER_BASIS)));
      log(`task ${pcaTask}: ${pcaPlan.codec.paramCount} values sent of ${pcaPlan.paramCount} parameters, round 1 open`);
    },
  });
  const { tmp, consoleLog, artifacts } = stack;
  const csv = [0, 1, 2].map((i) => path.join(tmp, `hospital-${i}.csv`));
  const basisFile = path.join(tmp, `${PCA_SPEC.encoding!.basis}.json`);
  const otherBasisFile = path.join(tmp, "another-basis.json");
  beforeAll(() => {
    base = stack.base;
  });
  afterAll(() => {
    owner?.model.dispose();
    dpOwner?.model.dispose();
    pcaOwner?.model.dispose();
  });

  const { step } = stepper({ page: () => page, artifacts, timeoutMs: STEP_TIMEOUT });

  step(
    "a flufhe node takes part from its own CSV",
    async () => {
      const args = [
        ...["--rpc", stack.devnet.url, "--aggregator", await aggregator.getAddress(), "--task", "1", "--account", "3"],
        ...["--data", csv[2], "--label-column", "diagnosis", "--state", path.join(tmp, "node-3.json")],
        ...["--model-dir", path.join(tmp, "models-3"), "--max-wait-minutes", "10"],
      ];
      node = spawnParticipant(3, args, (i, e) => log(`node ${i}: ${JSON.stringify(e)}`));
      stack.processes.push(node);
      const deadline = Date.now() + STEP_TIMEOUT - 10_000;
      while (!node.events.some((e) => e.event === "submitted")) {
        assert(node.child.exitCode === null, `the node exited: ${node.stderrTail()}`);
        assert(Date.now() < deadline, "the node did not submit");
        await new Promise((r) => setTimeout(r, 500));
      }
    },
    { required: true },
  );

  for (const i of [0, 1]) {
    step(
      `browser participant ${i + 1}: from the task page's link, trains in a worker and submits every chunk ` +
        (i === 0 ? "(one confirmation each)" : "(one EIP-5792 batch: one confirmation)"),
      async () => {
        const wallet = new TestWallet(devnetKey(i + 1), provider, CHAIN_ID, CHAIN_ID);
        wallet.batchCalls = i === 1;
        const p = (page = await stack.contexts[i].newPage());
        pages[i] = p;
        consoleLog.watch(p, `participant ${i + 1}`);
        p.on("request", (r: Request) => bodies.push(`${r.method()} ${r.url()}\n${r.postData() ?? ""}`));
        await wallet.attach(p);
        await p.goto(`${base}/tasks/1`);
        // Only the participate page gets COOP/COEP: the task page is an ordinary one.
        assert((await p.evaluate("crossOriginIsolated")) === false, "the task page is cross-origin isolated");
        await p.getByRole("button", { name: "Connect E2E Test Wallet" }).click();
        await p.getByRole("link", { name: "Take part from this browser" }).click();
        await p.waitForURL(/\/tasks\/1\/participate$/, { timeout: UI_TIMEOUT });
        // The link is a full page load: the page came with its headers and is cross-origin isolated.
        assert((await p.evaluate("crossOriginIsolated")) === true, "the participate page is not cross-origin isolated");
        await p.getByLabel("Data file").setInputFiles(csv[i]);
        await p.getByLabel("Label column").selectOption("diagnosis");
        await p.getByTestId("data-summary").waitFor({ timeout: UI_TIMEOUT });
        await p.getByRole("button", { name: "Train, encrypt and submit" }).click();
        const done = p.getByTestId("round-submitted");
        await done.waitFor({ timeout: STEP_TIMEOUT - 30_000 });
        for (let c = 0; c < layout.chunkCount; c++) {
          const row = p.getByTestId(`chunk-${c}`);
          assert((await row.getAttribute("data-status")) === "confirmed", `chunk ${c} is not confirmed`);
        }
        const backend = await p.getByTestId("ms-per-epoch").innerText();
        log(`participant ${i + 1}: ${backend} ${await done.innerText()}`);
        const threads = await p.getByTestId("encryption-threads").innerText();
        log(`participant ${i + 1}: ${threads}`);
        assert(
          /^Encryption: 1 thread — on the local devnet the mock fhEVM does no TFHE work .*; this page is cross-origin isolated$/.test(
            threads,
          ),
          `the page says: ${threads}`,
        );
        const names = await Promise.all(p.workers().map((w) => w.evaluate("self.name")));
        assert(names.includes(ENCRYPTION_WORKER_NAME), `no encryption worker among the page's workers (${names})`);
        const confirmations = wallet.calls.filter((m) => m === "eth_sendTransaction" || m === "wallet_sendCalls");
        const expected = i === 0 ? Array(layout.chunkCount).fill("eth_sendTransaction") : ["wallet_sendCalls"];
        assert(confirmations.join() === expected.join(), `participant ${i + 1} confirmed ${confirmations.join(", ")}`);
        const sent = await aggregator.submittedChunks(1, 1, wallet.address);
        assert(
          sent.every((s) => s),
          `the chain lacks chunks of participant ${i + 1}`,
        );
      },
      { required: true },
    );
  }

  step("in the isolated page the encryption worker starts the relayer SDK's WASM on every core", async () => {
    // The worker participant 1's page encrypted with, started anew for Sepolia in a page of its own (not
    // watched: offline, its relayer requests fail once the threads are up).
    let url: string | undefined;
    for (const w of pages[0].workers()) if ((await w.evaluate("self.name")) === ENCRYPTION_WORKER_NAME) url = w.url();
    assert(url, "participant 1's page has no encryption worker");
    const p = (page = await stack.contexts[0].newPage());
    try {
      await p.goto(`${base}/tasks/1/participate`);
      assert((await p.evaluate("crossOriginIsolated")) === true, "the participate page is not cross-origin isolated");
      const cores = (await p.evaluate("navigator.hardwareConcurrency")) as number;
      // A string: this file is compiled without the DOM library.
      const seen = (await p.evaluate(`new Promise((resolve) => {
        const t0 = performance.now();
        const seen = [];
        const worker = new Worker(${JSON.stringify(url)}, { name: "sdk-thread-probe" });
        const end = () => { clearTimeout(timer); worker.terminate(); resolve(seen); };
        const timer = setTimeout(end, 120000);
        worker.onmessage = (e) => {
          seen.push({ ...e.data, ms: Math.round(performance.now() - t0) });
          if (e.data.type !== "engine") end();
        };
        worker.onerror = (e) => { seen.push({ type: "worker error", message: e.message }); end(); };
        worker.postMessage({ type: "init", chainId: 11155111, rpcUrl: location.origin + "/api/rpc" });
      })`)) as { type: string; engine?: EncryptEngine; ms: number; message?: string }[];
      log(`encryption worker on Sepolia's config: ${JSON.stringify(seen)}`);
      const engine = seen[0]?.engine;
      assert(engine, `the worker reported no engine: ${JSON.stringify(seen)}`);
      log(`${engineLine(engine)}: the SDK's WASM and its ${engine.threads}-thread pool started in ${seen[0].ms} ms`);
      assert(
        engine.kind === "sdk" && engine.isolated && engine.threads === Math.min(cores, MAX_THREADS) && !engine.why,
        `the SDK's threaded init: ${JSON.stringify(engine)} with ${cores} cores`,
      );
    } finally {
      await p.close();
    }
  });

  step(
    "after every chunk is on chain the page says the update is submitted, also after a reload, and sends nothing",
    async () => {
      const submittedShown = (p: Page) =>
        p.getByTestId("round-state").filter({ hasText: "Your update is submitted" }).waitFor({ timeout: UI_TIMEOUT });
      await submittedShown((page = pages[0]));
      const p = (page = pages[1]);
      const before = await provider.getBlockNumber();
      await p.reload();
      await submittedShown(p);
      const offered = await p
        .getByRole("button", { name: /Submit the saved update|Train, encrypt and submit/ })
        .count();
      assert(offered === 0, "the page still offers to submit an update the chain holds");
      log(`participant 2 after a reload: ${await p.getByTestId("round-state").innerText()}`);
      const txs = [];
      for (let b = before + 1; b <= (await provider.getBlockNumber()); b++) {
        txs.push(...((await provider.getBlock(b))?.transactions ?? []));
      }
      assert(txs.length === 0, `the reload sent ${txs.length} transaction(s)`);
    },
  );

  let words: bigint[] = [];
  let contributors: number[] = [];
  let updates: bigint[][][] = [];
  step(
    "the decrypted aggregate is the plaintext sum of the three encoded updates",
    async () => {
      await owner!.close(1);
      await owner!.reveal(1);
      const aggregate = await fetchAggregate({
        aggregator,
        instance: network.fhevm.instance,
        signer: await provider.getSigner(0),
        taskId: 1n,
        round: 1,
        layout,
        policy: Policy.Public,
      });
      words = aggregate.words;
      contributors = aggregate.contributors;
      const state = JSON.parse(readFileSync(path.join(tmp, "node-3.json"), "utf8")) as {
        updates: Record<string, string[][]>;
      };
      updates = [...(await Promise.all(pages.map(savedUpdate))), state.updates["1"]].map(fromHexChunks);
      const sum = updates[0].flat().map((_, w) => updates.reduce((s, u) => s + u.flat()[w], 0n));
      assert(words.length === sum.length, `${words.length} words decrypted, ${sum.length} summed`);
      const off = words.findIndex((w, k) => w !== sum[k]);
      assert(off < 0, `word ${off}: aggregate ${words[off]}, plaintext sum ${sum[off]}`);
      assert(
        aggregate.contributors.every((n) => n === 3),
        `contributors ${aggregate.contributors}`,
      );
    },
    { required: true },
  );

  step("the browser-trained update equals the node's training on the same file and seed within one step", async () => {
    for (const i of [0, 1]) {
      const { train } = loadDataset(csv[i], { seed: NODE.seed, labelColumn: "diagnosis" });
      const model = buildModel(SPEC);
      const start = getFlatWeights(model);
      trainLocal(model, train, { ...NODE, seed: localTrainingSeed(NODE.seed, 1) });
      const delta = getFlatWeights(model).map((w, k) => w - start[k]);
      model.dispose();
      const globalModelHash = (await aggregator.getRound(1, 1)).globalModelHash;
      const cli = encodeRound(
        taskEncoding(SPEC, start.length),
        {},
        {
          delta,
          layout,
          ctx: { taskId: 1n, round: 1, globalModelHash },
          samples: train.y.length,
        },
      ).chunks.flat();
      const browser = updates[i].flat();
      let worst = 0n;
      let equal = 0;
      let lanes = 0;
      for (let w = 0; w < cli.length; w++) {
        const a = unpackWord(cli[w], layout);
        const b = unpackWord(browser[w], layout);
        a.forEach((x, k) => {
          const d = x > b[k] ? x - b[k] : b[k] - x;
          if (d > worst) worst = d;
          if (d === 0n) equal++;
          lanes++;
        });
      }
      log(`participant ${i + 1}: ${equal} of ${lanes} lanes equal to the node's, largest difference ${worst} step(s)`);
      assert(worst <= 1n, `participant ${i + 1}'s update differs from the node's by ${worst} quantization steps`);
    }
  });

  step("after the reveal each page rebuilds the model and shows its accuracy on its own test split", async () => {
    for (const i of [0, 1]) {
      const p = (page = pages[i]);
      await p.reload();
      await p.getByLabel("Data file").setInputFiles(csv[i]);
      await p.getByLabel("Label column").selectOption("diagnosis");
      await p
        .getByTestId("round-state")
        .filter({ hasText: /is revealed\. Your update is submitted/ })
        .waitFor({ timeout: UI_TIMEOUT });
      await p.getByRole("button", { name: "Rebuild the global model" }).click({ timeout: UI_TIMEOUT });
      const row = p.getByTestId("accuracy-1");
      await row.waitFor({ timeout: UI_TIMEOUT });
      const shown = Number(await row.getAttribute("data-value"));
      const { test } = loadDataset(csv[i], { seed: NODE.seed, labelColumn: "diagnosis" });
      const model = buildModel(SPEC);
      const global = getFlatWeights(model);
      const delta = taskEncoding(SPEC, global.length).decode(words, contributors, layout, {
        taskId: 1n,
        round: 1,
        globalModelHash: (await aggregator.getRound(1, 1)).globalModelHash,
      });
      setFlatWeights(
        model,
        global.map((w, k) => w + delta[k]),
      );
      const expected = evaluate(model, test).accuracy;
      model.dispose();
      assert(
        Math.abs(shown - expected) <= 1 / test.y.length,
        `page ${i + 1}: accuracy ${shown}, the node's evaluate ${expected}`,
      );
      log(`participant ${i + 1}: accuracy after round 1 ${(shown * 100).toFixed(2)} %`);
    }
  });

  for (const i of [0, 1]) {
    step(
      `a pca task, page ${i + 1}: asks for the task's input basis and trains nothing without it` +
        (i === 0 ? ", refuses another basis," : "") +
        " keeps the owner's file, then trains and submits",
      async () => {
        const p = (page = pages[i]);
        await p.goto(`${base}/tasks/3/participate`);
        const asked = p.getByTestId("needs-input-basis");
        await asked.waitFor({ timeout: UI_TIMEOUT });
        assert((await asked.innerText()).includes(`${PCA_SPEC.encoding!.basis}.json`), "the page names no file");
        await p.getByLabel("Data file").setInputFiles(csv[i]);
        await p.getByLabel("Label column").selectOption("diagnosis");
        await p.getByTestId("data-summary").waitFor({ timeout: UI_TIMEOUT });
        const train = p.getByRole("button", { name: "Train, encrypt and submit" });
        const blocked = await p.getByTestId("start-blocked").innerText();
        assert(blocked.startsWith("Load the task's input basis first"), `the page says: ${blocked}`);
        assert(await train.isDisabled(), "the page offers to train without the input basis");
        const picker = p.getByTestId("input-basis-file");
        if (i === 0) {
          await picker.setInputFiles(otherBasisFile);
          const refused = p.getByText(/another-basis\.json: it holds the basis 0x[0-9a-f]{64}, not the task's/);
          await refused.waitFor({ timeout: UI_TIMEOUT });
          assert(await train.isDisabled(), "the page trains with another basis");
        }
        await picker.setInputFiles(basisFile);
        await p.getByTestId("input-basis-held").waitFor({ timeout: UI_TIMEOUT });
        await train.click({ timeout: UI_TIMEOUT });
        await p.getByTestId("round-submitted").waitFor({ timeout: STEP_TIMEOUT - 60_000 });
        const account = await (await provider.getSigner(i + 1)).getAddress();
        const sent = await aggregator.submittedChunks(3, 1, account);
        assert(sent.length > 0 && sent.every((c) => c), `the chain lacks chunks of page ${i + 1}`);
      },
    );
  }

  step(
    "the pca round decoded in the page with the kept basis is the model the owner opened round 2 with, bit for bit",
    async () => {
      await pcaOwner!.close(1);
      await pcaOwner!.reveal(1);
      const { globalModelHash } = await pcaOwner!.openNextRound();
      const p = (page = pages[0]);
      await p.reload();
      // Kept in IndexedDB: not asked for again.
      await p.getByTestId("input-basis-held").waitFor({ timeout: UI_TIMEOUT });
      await p.getByRole("button", { name: "Rebuild the global model" }).click({ timeout: UI_TIMEOUT });
      await p.getByTestId("global-model-verified").waitFor({ timeout: STEP_TIMEOUT - 60_000 });
      const shown = await p.getByTestId("global-model-commitment").getAttribute("data-commitment");
      assert(shown === globalModelHash, `the page rebuilt ${shown}, the owner opened round 2 with ${globalModelHash}`);
      log(`pca task: the page's model after round 1 is ${shown}, the owner's commitment`);
    },
  );

  step(
    "a DP task: the page shows its promise, its ledger refuses a file used without DP, then trains DP-SGD",
    async () => {
      const p = (page = pages[0]);
      await p.goto(`${base}/tasks/2/participate`);
      const promise = p.getByTestId("privacy-promise");
      await promise.waitFor({ timeout: UI_TIMEOUT });
      const said = await promise.innerText();
      assert(said === `This task promises ${describePrivacy(DP_SPEC.privacy)}.`, `the page says: ${said}`);
      const expected = await p.getByTestId("expected-data").innerText();
      assert(expected.includes("30 numbers"), `the expected data: ${expected}`);
      // csv[0] trained task 1's round without DP (ε = ∞ on record): with a budget, every DP round is refused.
      await p.getByLabel("Data file").setInputFiles(csv[0]);
      await p.getByLabel("Label column").selectOption("diagnosis");
      await p.getByTestId("data-summary").waitFor({ timeout: UI_TIMEOUT });
      const setBudget = async (epsilon: string) => {
        await p.getByLabel("Budget epsilon").fill(epsilon);
        await p.getByRole("button", { name: /Set the budget|Replace the budget/ }).click();
        await p.getByText(/^Budget set: /).waitFor({ timeout: UI_TIMEOUT });
      };
      await setBudget("8");
      const before = await aggregator.submittedChunks(2, 1, await (await provider.getSigner(1)).getAddress());
      await p.getByRole("button", { name: "Train, encrypt and submit" }).click();
      const refused = p.getByTestId("privacy-refused");
      await refused.waitFor({ timeout: UI_TIMEOUT });
      log(`refused: ${await refused.innerText()}`);
      const after = await aggregator.submittedChunks(2, 1, await (await provider.getSigner(1)).getAddress());
      assert(
        before.concat(after).every((c) => !c),
        "a refused round sent chunks",
      );
      // csv[1] is new to this browser's ledger: within a budget of 50 the DP round trains and is charged.
      await p.getByLabel("Data file").setInputFiles(csv[1]);
      await p.getByTestId("data-summary").filter({ hasText: "hospital-1.csv" }).waitFor({ timeout: UI_TIMEOUT });
      await setBudget("50");
      await p
        .getByTestId("privacy-outlook")
        .filter({ hasText: /within its budget/ })
        .waitFor({ timeout: UI_TIMEOUT });
      await p.getByRole("button", { name: "Train, encrypt and submit" }).click();
      await p.getByTestId("round-submitted").waitFor({ timeout: STEP_TIMEOUT - 60_000 });
      const charge = await p.getByTestId("privacy-charge").innerText();
      assert(
        /task 2 \(block \d+\), round 1: DP-SGD: 10 steps, sampling 0\.05, noise 1\.1/.test(charge),
        `the charge: ${charge}`,
      );
      log(`DP round charged: ${(await p.getByTestId("privacy-spent").innerText()).trim()}`);
    },
  );

  step("the participate page has no horizontal scroll at phone width (390 px)", async () => {
    const p = (page = pages[0]);
    mkdirSync(SCREENS, { recursive: true });
    await p.screenshot({ path: path.join(SCREENS, "participate-dp-desktop.png"), fullPage: true });
    await p.setViewportSize({ width: 390, height: 844 });
    try {
      await p.screenshot({ path: path.join(SCREENS, "participate-dp-390.png"), fullPage: true });
      log(`screenshots of the DP task's participate page in ${SCREENS}/`);
      // Elements reaching past the viewport, except inside a box that scrolls on its own (tables).
      // A string: this file is compiled without the DOM library.
      const wide = (await p.evaluate(`[...document.querySelectorAll("body *")]
        .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .filter((e) => !e.parentElement.closest("[style*='overflow-x']"))
        .map((e) => e.tagName.toLowerCase() + "." + String(e.className).replace(/ /g, ".") +
          " (" + Math.round(e.getBoundingClientRect().right) + " px): " + e.textContent.slice(0, 40))`)) as string[];
      const scroll = (await p.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth",
      )) as number;
      assert(
        scroll <= 0 && wide.length === 0,
        `${scroll} px of horizontal scroll; wider than the page: ${wide.slice(0, 12).join("; ")}`,
      );
    } finally {
      await p.setViewportSize({ width: 1366, height: 900 });
    }
  });

  step("no request carried a data file, and no console errors", async () => {
    const leaked = bodies.filter((b) => markers.some((m) => b.includes(m)) || b.includes("feature_29"));
    assert(leaked.length === 0, `a request carried a data file: ${leaked[0]?.slice(0, 200)}`);
    assert(consoleLog.errors.length === 0, `console errors:\n${consoleLog.errors.join("\n")}`);
  });
});
