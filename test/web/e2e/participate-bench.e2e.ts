/**
 * Measurement, not a check (skipped unless FLUFHE_BENCH_PARTICIPANT=1; `npm run test:e2e` builds first):
 * MNIST logistic regression with the compressed codec (dct:8) on a devnet, one Chromium participant and
 * one `flufhe node` on the same IDX file (the first FLUFHE_BENCH_SAMPLES training images, default 6000;
 * both train on the same seeded 80 % split). Round r trains in the page on backend wasm, cpu, webgl in
 * turn; each round logs the page's ms per epoch, its time from "start" to every chunk confirmed, and the
 * node's training time for the same epoch. The JSON summary goes to results/bench-participant.json.
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe } from "vitest";
import { parseCompressFlag } from "../../../client/src/codec/encoding";
import { openNetwork, type Network } from "../../../client/src/chain/network";
import { encodeIdx } from "../../../client/src/ml/idx";
import { loadMnist } from "../../../client/src/ml/images";
import { OwnerSession } from "../../../client/src/node/owner";
import { planTask } from "../../../client/src/node/planTask";
import type { ParticipantEvent } from "../../../client/src/node/taskSession";
import type { ModelSpec } from "../../../client/src/protocol/modelSpec";
import { Policy } from "../../../client/src/protocol/vocabulary";
import { FLuFHEAggregator__factory } from "../../../types";
import { spawnParticipant, type ParticipantProcess } from "../../../scripts/lib/participants";
import { freePort, startDevnet, type Devnet } from "../../../scripts/lib/devnet";
import { TestWallet } from "../wallet";
import { UI_TIMEOUT } from "./checks";
import { deployForApp } from "./deployment";
import {
  CHAIN_ID,
  ConsoleLog,
  devnetKey,
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

const SAMPLES = Number(process.env.FLUFHE_BENCH_SAMPLES ?? 6000);
const BACKENDS = ["wasm", "cpu", "webgl"] as const;
const SPEC: ModelSpec = {
  kind: "logreg",
  inputShape: [28, 28, 1],
  numClasses: 10,
  seed: 1,
  encoding: parseCompressFlag("dct:8"),
};

interface RoundMeasure {
  round: number;
  backend: string;
  browserMsPerEpoch: number;
  browserStartToConfirmedMs: number;
  nodeTrainMs: number;
  chunks: number;
}

describe
  .skipIf(process.env.FLUFHE_BENCH_PARTICIPANT !== "1")
  .sequential("participant bench: MNIST logreg, dct:8", () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), "flufhe-bench-participant-"));
    const profile = path.join(tmp, "chromium");
    const consoleLog = new ConsoleLog();
    const artifacts = new FailureArtifacts(consoleLog);
    const images = path.join(tmp, "mnist-images-idx3-ubyte");
    const labels = path.join(tmp, "mnist-labels-idx1-ubyte");
    let devnet: Devnet | undefined;
    let next: ChildProcess | undefined;
    let provider: JsonRpcProvider;
    let network: Network | undefined;
    let owner: OwnerSession | undefined;
    let context: BrowserContext | undefined;
    let node: ParticipantProcess | undefined;
    let page: Page | undefined;
    let base: string;
    let chunks = 0;
    const measures: RoundMeasure[] = [];

    beforeAll(async () => {
      await ensureBuild();
      const { train } = loadMnist({ trainLimit: SAMPLES, testLimit: 1 });
      const bytes = Uint8Array.from(train.x, (v) => Math.round(v * 255));
      writeFileSync(images, encodeIdx({ shape: [SAMPLES, 28, 28], data: bytes }));
      writeFileSync(labels, encodeIdx({ shape: [SAMPLES], data: Uint8Array.from(train.y) }));
      devnet = await startDevnet();
      provider = new JsonRpcProvider(devnet.url, undefined, { cacheTimeout: -1, staticNetwork: true });
      const { address, deploymentsDir } = await deployForApp(devnet, provider, tmp);
      const ownerSigner = await provider.getSigner(0);
      const aggregator = FLuFHEAggregator__factory.connect(address, ownerSigner);
      network = await openNetwork(devnet.url);
      const plan = planTask(SPEC, { minCohort: 2, maxCohort: 4, rounds: BACKENDS.length, policy: Policy.Public });
      chunks = plan.plan.layout.chunkCount;
      const listed = await Promise.all([1, 2].map(async (i) => (await provider.getSigner(i)).getAddress()));
      const taskId = await OwnerSession.create(aggregator, plan, listed);
      owner = await OwnerSession.open({ aggregator, instance: network.fhevm.instance, signer: ownerSigner, taskId });
      log(`MNIST logreg dct:8: ${plan.plan.layout.wordCount} words in ${chunks} chunk(s) per participant`);
      node = spawnParticipant(2, [
        ...["--rpc", devnet.url, "--aggregator", address, "--task", String(taskId), "--account", "2"],
        ...["--data", images, "--state", path.join(tmp, "node.json"), "--model-dir", path.join(tmp, "models")],
      ]);
      const port = await freePort();
      next = await startNext(port, { FLUFHE_DEPLOYMENTS_DIR: deploymentsDir, FLUFHE_NETWORK: "localhost" });
      base = `http://127.0.0.1:${port}`;
      context = await launchChromium(profile);
    });

    afterAll(async () => {
      node?.kill();
      await closeChromium(context, profile);
      await stopChild(next);
      await devnet?.stop();
      await stopAllChildren();
      owner?.dispose();
      network?.close();
      provider?.destroy();
      rmSync(tmp, { recursive: true, force: true });
    });

    const { step } = stepper({
      page: () => page,
      artifacts,
      timeoutMs: Number(process.env.FLUFHE_BENCH_STEP_MS ?? 900_000),
    });
    const wallet = () => new TestWallet(devnetKey(1), provider, CHAIN_ID, CHAIN_ID);

    for (const [r, backend] of BACKENDS.entries()) {
      const round = r + 1;
      step(`round ${round}: the page trains on ${backend}, the node on wasm, both submit`, async () => {
        await owner!.openNextRound();
        if (!page) {
          page = await context!.newPage();
          consoleLog.watch(page, "participant");
          await wallet().attach(page);
          await page.goto(`${base}/tasks/1/participate`);
          await page.getByRole("button", { name: "Connect E2E Test Wallet" }).click();
        } else {
          await page.reload();
        }
        const p = page;
        await p
          .getByTestId("round-state")
          .filter({ hasText: `Round ${round} of` })
          .waitFor({ timeout: UI_TIMEOUT });
        if (round > 1) {
          await p.getByRole("button", { name: "Rebuild the global model" }).click({ timeout: UI_TIMEOUT });
          await p
            .getByText(`Model after round ${round - 1}`)
            .first()
            .waitFor({ timeout: UI_TIMEOUT });
        }
        await p.getByLabel("Data file").setInputFiles([images, labels]);
        await p.getByTestId("data-summary").waitFor({ timeout: UI_TIMEOUT });
        await p.getByLabel("TensorFlow.js backend").selectOption(backend);
        await p.getByRole("button", { name: "Train, encrypt and submit" }).click();
        const done = p.getByTestId("round-submitted");
        await done.waitFor({ timeout: 600_000 });
        const perEpoch = Number(await p.getByTestId("ms-per-epoch").getAttribute("data-value"));
        const elapsed = Number(await done.getAttribute("data-elapsed-ms"));
        const shown = await p.getByTestId("ms-per-epoch").innerText();
        assert(shown.includes(`Trained on ${backend}`), `the page trained elsewhere: ${shown}`);
        const trained = (e: ParticipantEvent) => e.event === "trained" && e.round === round;
        const deadline = Date.now() + 600_000;
        while (!node!.events.some((e) => e.event === "submitted" && e.round === round)) {
          assert(node!.child.exitCode === null, `the node exited: ${node!.stderrTail()}`);
          assert(Date.now() < deadline, "the node did not submit");
          await new Promise((res) => setTimeout(res, 500));
        }
        const nodeTrain = node!.events.find(trained) as Extract<ParticipantEvent, { event: "trained" }>;
        measures.push({
          round,
          backend,
          browserMsPerEpoch: Math.round(perEpoch),
          browserStartToConfirmedMs: Math.round(elapsed),
          nodeTrainMs: Math.round(nodeTrain.ms),
          chunks,
        });
        log(JSON.stringify(measures.at(-1)));
        await owner!.close(round);
        await owner!.reveal(round);
      });
    }

    step("summary", async () => {
      mkdirSync(path.join(ROOT, "results"), { recursive: true });
      const summary = { samples: SAMPLES, trainSamples: Math.round(SAMPLES * 0.8), encoding: "dct:8", measures };
      writeFileSync(path.join(ROOT, "results", "bench-participant.json"), JSON.stringify(summary, null, 2) + "\n");
      log(JSON.stringify(summary));
    });
  });
