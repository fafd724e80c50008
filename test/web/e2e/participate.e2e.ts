/**
 * Browser e2e of the participant view (`npm run test:e2e`): one breast-cancer logistic-regression task
 * (62 parameters, today's 8-bit codec, 3 chunks of 2 words, K = 3, PUBLIC policy) whose round 1 gets
 * three updates: two from Chromium profiles (each its own injected test wallet and its own CSV, trained
 * in the page's Web Worker) and one from a `flufhe node` process on a third CSV. Checks: the decrypted
 * aggregate is the plaintext sum of the three encoded updates (browser ones read from IndexedDB, the
 * node's from its state file), the browser's update equals the node's training on the same file and
 * seed within one quantization step, a page whose update is on chain says it is submitted (also after a
 * reload and after the reveal) and sends nothing again, no request carries a data file, and after the
 * reveal each page shows its accuracy. The stack is useWebStack's (fixture.ts), stopped by PID in afterAll.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { JsonRpcProvider } from "ethers";
import type { Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe } from "vitest";
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
import type { ModelSpec } from "../../../client/src/protocol/modelSpec";
import { layoutFromTask } from "../../../client/src/protocol/taskConfig";
import { Policy } from "../../../client/src/protocol/vocabulary";
import type { FLuFHEAggregator } from "../../../types";
import { spawnParticipant, type ParticipantProcess } from "../../../scripts/lib/participants";
import { TestWallet } from "../wallet";
import { UI_TIMEOUT } from "./checks";
import { stepper, useWebStack } from "./fixture";
import { CHAIN_ID, STEP_TIMEOUT, devnetKey, assert, log } from "./harness";

const SPEC: ModelSpec = { kind: "logreg", inputShape: [30], numClasses: 2, seed: 11 };
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
    },
  });
  const { tmp, consoleLog, artifacts } = stack;
  const csv = [0, 1, 2].map((i) => path.join(tmp, `hospital-${i}.csv`));
  beforeAll(() => {
    base = stack.base;
  });
  afterAll(() => owner?.model.dispose());

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
        await p.getByRole("button", { name: "Connect E2E Test Wallet" }).click();
        await p.getByRole("link", { name: "Take part from this browser" }).click();
        await p.waitForURL(/\/tasks\/1\/participate$/, { timeout: UI_TIMEOUT });
        await p.getByLabel("Data file").setInputFiles(csv[i]);
        await p.getByLabel("Label column").fill("diagnosis");
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
      await p.getByLabel("Label column").fill("diagnosis");
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

  step("no request carried a data file, and no console errors", async () => {
    const leaked = bodies.filter((b) => markers.some((m) => b.includes(m)) || b.includes("feature_29"));
    assert(leaked.length === 0, `a request carried a data file: ${leaked[0]?.slice(0, 200)}`);
    assert(consoleLog.errors.length === 0, `console errors:\n${consoleLog.errors.join("\n")}`);
  });
});
