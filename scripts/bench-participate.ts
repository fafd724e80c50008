/**
 * `npm run bench:participate -- --json`: training in the browser against the Node CLI, measured.
 * MNIST logistic regression with the compressed codec (dct:8) on a devnet, one Chromium participant
 * (the web app's participant page, an injected test wallet) and one `flufhe node` process on the same
 * IDX pair (the first --samples training images, default 6000; both train on the same seeded 80 % split,
 * 1 epoch). Round r trains in the page on the r-th of --backends (default wasm, cpu, webgl); the owner's
 * loop is OwnerSession.runRound (open, wait, close, reveal, decrypt). Each round records the page's ms per
 * epoch, its time from "start" to every chunk confirmed, and the node's training time for the same round.
 * The stack (devnet, aggregator, `next start` on 127.0.0.1, Debian's Chromium) is the browser e2e's
 * (test/web/e2e/stack.ts), stopped by PID at the end, also on failure; `next build` runs first when
 * web/ changed (FLUFHE_E2E_BUILD=auto|always|never). A failed round leaves a screenshot under
 * results/e2e-failures/. Writes results/bench-participant.json; with --json the last stdout line is one
 * JSON object: {"samples", "trainSamples", "encoding", "words", "chunks", "measures": [{"round",
 * "backend", "browserMsPerEpoch", "browserStartToConfirmedMs", "nodeTrainMs", "chunks"}], "seconds"}.
 * FLUFHE_BENCH_SAMPLES and FLUFHE_BENCH_STEP_MS set the defaults of --samples and --round-timeout-ms.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Page } from "playwright-core";
import { parseCompressFlag } from "../client/src/codec/encoding";
import { encodeIdx } from "../client/src/ml/idx";
import { loadMnist } from "../client/src/ml/images";
import { OwnerSession } from "../client/src/node/owner";
import { planTask } from "../client/src/node/planTask";
import type { ParticipantEvent } from "../client/src/node/taskSession";
import type { ModelSpec } from "../client/src/protocol/modelSpec";
import { Policy } from "../client/src/protocol/vocabulary";
import { TestWallet } from "../test/web/wallet";
import { UI_TIMEOUT } from "../test/web/e2e/checks";
import { CHAIN_ID, ROOT, assert, devnetKey, runStep } from "../test/web/e2e/harness";
import { WebStack } from "../test/web/e2e/stack";
import { checkParticipants, spawnParticipant, type ParticipantProcess } from "./lib/participants";

const BACKENDS = ["wasm", "cpu", "webgl"] as const;
type Backend = (typeof BACKENDS)[number];

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    samples: { type: "string", default: process.env.FLUFHE_BENCH_SAMPLES ?? "6000" },
    backends: { type: "string", default: BACKENDS.join(",") },
    "round-timeout-ms": { type: "string", default: process.env.FLUFHE_BENCH_STEP_MS ?? "900000" },
  },
});

const log = (message: string) => process.stderr.write(`[bench:participate] ${message}\n`);

function int(name: string, value: string | undefined, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer of at least ${min}, got ${value}`);
  return n;
}

function backendList(value: string | undefined): Backend[] {
  const list = (value ?? "").split(",").map((b) => b.trim());
  const bad = list.find((b) => !(BACKENDS as readonly string[]).includes(b));
  if (list.length === 0 || bad !== undefined) {
    throw new Error(`--backends must list some of ${BACKENDS.join(", ")} (comma-separated), got "${value}"`);
  }
  return list as Backend[];
}

const SPEC: ModelSpec = {
  kind: "logreg",
  inputShape: [28, 28, 1],
  numClasses: 10,
  seed: 1,
  encoding: parseCompressFlag("dct:8"),
};

interface RoundMeasure {
  round: number;
  backend: Backend;
  browserMsPerEpoch: number;
  browserStartToConfirmedMs: number;
  nodeTrainMs: number;
  chunks: number;
}

/** The run's state: the stack and the IDX pair, then the task, the node process and the page once they exist. */
interface Bench {
  stack: WebStack;
  images: string;
  labels: string;
  owner?: OwnerSession;
  node?: ParticipantProcess;
  taskId: bigint;
  imageCount: number;
  words: number;
  chunks: number;
  page?: Page;
  measures: RoundMeasure[];
}

/** The first `samples` MNIST training images as an IDX pair: the file both participants load. */
function writeIdxPair(b: Bench, samples: number): void {
  const { train } = loadMnist({ trainLimit: samples, testLimit: 1 });
  const n = (b.imageCount = train.y.length);
  writeFileSync(
    b.images,
    encodeIdx({ shape: [n, 28, 28], data: Uint8Array.from(train.x, (v) => Math.round(v * 255)) }),
  );
  writeFileSync(b.labels, encodeIdx({ shape: [n], data: Uint8Array.from(train.y) }));
}

/** The stack started, the task created for accounts 1 (the page) and 2 (the node), the owner's session and the node. */
async function openTask(b: Bench, rounds: number): Promise<void> {
  const { stack } = b;
  await stack.start();
  const { provider, network } = stack;
  const ownerSigner = await provider.getSigner(0);
  const aggregator = stack.aggregator.connect(ownerSigner);
  const plan = planTask(SPEC, { minCohort: 2, maxCohort: 4, rounds, policy: Policy.Public });
  ({ wordCount: b.words, chunkCount: b.chunks } = plan.plan.layout);
  const listed = await Promise.all([1, 2].map(async (i) => (await provider.getSigner(i)).getAddress()));
  const taskId = (b.taskId = await OwnerSession.create(aggregator, plan, listed));
  b.owner = await OwnerSession.open({ aggregator, instance: network.fhevm.instance, signer: ownerSigner, taskId });
  log(`MNIST logreg dct:8 on ${b.imageCount} images: ${b.words} words in ${b.chunks} chunk(s) per participant`);
  b.node = spawnParticipant(2, [
    ...["--rpc", stack.devnet.url, "--aggregator", stack.address, "--task", String(taskId), "--account", "2"],
    ...["--data", b.images, "--state", path.join(stack.tmp, "node.json")],
    ...["--model-dir", path.join(stack.tmp, "models")],
  ]);
  stack.processes.push(b.node);
}

/** The participant page showing `round`: opened and connected the first time, reloaded after (with the last model rebuilt). */
async function showRound(b: Bench, round: number): Promise<Page> {
  if (!b.page) {
    b.page = await b.stack.contexts[0].newPage();
    b.stack.consoleLog.watch(b.page, "participant");
    await new TestWallet(devnetKey(1), b.stack.provider, CHAIN_ID, CHAIN_ID).attach(b.page);
    await b.page.goto(`${b.stack.base}/tasks/${b.taskId}/participate`);
    await b.page.getByRole("button", { name: "Connect E2E Test Wallet" }).click();
  } else {
    await b.page.reload();
  }
  const p = b.page;
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
  return p;
}

/** The node's training time of `round`, once it has submitted (it trains alongside the page). */
async function nodeTrainMs(node: ParticipantProcess, round: number): Promise<number> {
  const deadline = Date.now() + 600_000;
  while (!node.events.some((e) => e.event === "submitted" && e.round === round)) {
    assert(node.child.exitCode === null, `the node exited: ${node.stderrTail()}`);
    assert(Date.now() < deadline, "the node did not submit");
    await new Promise((res) => setTimeout(res, 500));
  }
  const trained = (e: ParticipantEvent) => e.event === "trained" && e.round === round;
  const nodeTrain = node.events.find(trained) as Extract<ParticipantEvent, { event: "trained" }> | undefined;
  assert(nodeTrain, `the node submitted round ${round} without a "trained" event`);
  return nodeTrain.ms;
}

/** The page's part of a round: train on `backend`, submit; then the node's submission of the same round. */
async function browserRound(b: Bench, round: number, backend: Backend): Promise<RoundMeasure> {
  const p = await showRound(b, round);
  await p.getByLabel("Data file").setInputFiles([b.images, b.labels]);
  await p.getByTestId("data-summary").waitFor({ timeout: UI_TIMEOUT });
  await p.getByLabel("TensorFlow.js backend").selectOption(backend);
  await p.getByRole("button", { name: "Train, encrypt and submit" }).click();
  const done = p.getByTestId("round-submitted");
  await done.waitFor({ timeout: 600_000 });
  const perEpoch = Number(await p.getByTestId("ms-per-epoch").getAttribute("data-value"));
  const elapsed = Number(await done.getAttribute("data-elapsed-ms"));
  const shown = await p.getByTestId("ms-per-epoch").innerText();
  assert(shown.includes(`Trained on ${backend}`), `the page trained elsewhere: ${shown}`);
  const nodeMs = await nodeTrainMs(b.node!, round);
  return {
    round,
    backend,
    browserMsPerEpoch: Math.round(perEpoch),
    browserStartToConfirmedMs: Math.round(elapsed),
    nodeTrainMs: Math.round(nodeMs),
    chunks: b.chunks,
  };
}

/** Round r + 1 trains in the page on backends[r]; each round is a step (timeout, screenshot on failure). */
async function runRounds(b: Bench, backends: Backend[], roundTimeoutMs: number): Promise<void> {
  for (const [r, backend] of backends.entries()) {
    const name = `round ${r + 1}: the page trains on ${backend}, the node on wasm, both submit`;
    log(name);
    const step = async () => {
      await b.owner!.runRound({
        check: () => checkParticipants([b.node!]),
        afterOpen: async (round) => {
          assert(round === r + 1, `round ${round} opened, expected ${r + 1}`);
          b.measures.push(await browserRound(b, round, backend));
          log(JSON.stringify(b.measures.at(-1)));
        },
      });
    };
    await runStep(r + 1, name, step, { page: () => b.page, artifacts: b.stack.artifacts, timeoutMs: roundTimeoutMs });
  }
}

/** The summary written to results/bench-participant.json and printed as a table (and as JSON with --json). */
function report(b: Bench, started: number): void {
  const { words, chunks, measures } = b;
  const summary = {
    samples: b.imageCount,
    trainSamples: Math.round(b.imageCount * 0.8),
    encoding: "dct:8",
    words,
    chunks,
    measures,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  mkdirSync(path.join(ROOT, "results"), { recursive: true });
  writeFileSync(path.join(ROOT, "results", "bench-participant.json"), JSON.stringify(summary, null, 2) + "\n");

  const widths = [6, 8, 14, 21, 21];
  const row = (cells: (string | number)[]) => cells.map((c, i) => String(c).padStart(widths[i])).join(" ");
  console.log(
    `MNIST logreg, dct:8: ${summary.trainSamples} training images, ${words} words in ${chunks} chunk(s) per round`,
  );
  console.log(row(["round", "backend", "page ms/epoch", "page ms to confirmed", "node ms/epoch (wasm)"]));
  for (const m of measures) {
    console.log(row([m.round, m.backend, m.browserMsPerEpoch, m.browserStartToConfirmedMs, m.nodeTrainMs].map(String)));
  }
  if (args.json) console.log(JSON.stringify(summary));
}

async function main(): Promise<void> {
  const samples = int("samples", args.samples);
  const backends = backendList(args.backends);
  const roundTimeoutMs = int("round-timeout-ms", args["round-timeout-ms"]);
  const started = Date.now();

  const stack = new WebStack({ name: "bench-participant" });
  const b: Bench = {
    stack,
    images: path.join(stack.tmp, "mnist-images-idx3-ubyte"),
    labels: path.join(stack.tmp, "mnist-labels-idx1-ubyte"),
    taskId: 0n,
    imageCount: 0,
    words: 0,
    chunks: 0,
    measures: [],
  };
  // The stack stops (by PID) also when a round fails; the report only follows a complete run.
  try {
    writeIdxPair(b, samples);
    await openTask(b, backends.length);
    await runRounds(b, backends, roundTimeoutMs);
  } finally {
    b.owner?.dispose();
    await stack.stop();
  }
  report(b, started);
}

main().catch((error: unknown) => {
  console.error(`bench:participate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
