// @vitest-environment jsdom
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import * as tf from "@tensorflow/tfjs";
import * as models from "../../client/src/ml/models";
import { loadBreastCancer } from "../../client/src/ml/sklearn";
import { memoryLedgerStore, PrivacyLedger } from "../../client/src/privacy/ledger";
import type { ModelSpec } from "../../client/src/protocol/modelSpec";
import {
  describePrivacy,
  NO_PRIVACY,
  privacyFromChoices,
  toOnChainPrivacy,
  type OnChainPrivacy,
} from "../../client/src/protocol/privacy";
import type { TaskSnapshot } from "../../web/src/chain";
import type { GlobalModel as Model } from "../../web/src/model/store";
import { epsilonAfter, roundsLeft } from "../../web/src/participate/privacy";
import type { BrowserLedgerStore } from "../../web/src/participate/privacyLedgerStore";
import { parseSklearnCsv, sklearnHeader } from "../../client/src/ml/sklearnCsv";
import type { TrainRequest } from "../../web/src/participate/trainProtocol";
import { memoryParticipationStore, type ParticipationStore } from "../../web/src/participate/updateStore";
import { Participation } from "../../web/src/views/Participate";
import { startInProcess } from "./encryptFakes";
import { inProcessTrainer, openRoundTask } from "./participateFixtures";
import { identityReader, withGetFunction } from "../shared/fakeAggregator";

// jsdom: the participant's page with the chain, the wallet and the fhEVM faked at their edges (as in
// participate-view.test.tsx), a task that promises DP, and the privacy ledger in memory.
const ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const STRANGER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const C = "0x" + "c1".repeat(32);
const PLAIN: ModelSpec = { kind: "logreg", inputShape: [3], numClasses: 2, seed: 2, classNames: ["no", "yes"] };
const TERMS = privacyFromChoices(
  { noiseMultiplier: 1.1, delta: 1e-5, clipNorm: 1, samplingRate: 0.25, stepsPerRound: 4 },
  2,
);
const DP: ModelSpec = { ...PLAIN, privacy: TERMS };
const CSV = [
  "a,b,c,y",
  ...Array.from({ length: 20 }, (_, i) => `${i % 5},${(i * 3) % 7},${i % 2},${i % 2 ? "yes" : "no"}`),
].join("\n");
/** The same records in scikit-learn's format: counts and class names first, the class index last. */
const SKLEARN = [
  "20,3,no,yes",
  ...Array.from({ length: 20 }, (_, i) => `${i % 5},${(i * 3) % 7},${i % 2},${i % 2}`),
].join("\n");

let account = ACCOUNT;
let spec: ModelSpec = DP;
let chainTerms: OnChainPrivacy = toOnChainPrivacy(TERMS);
const sent: number[] = [];
let submitted: boolean[] = [false];
vi.mock("wagmi", () => ({ useAccount: () => ({ address: account }) }));
vi.mock("../../web/src/hooks/useWallet", () => ({
  useWallet: () => ({ status: "ready" }),
  useSigner: () => async () => ({
    signer: { getAddress: async () => account },
    eip1193: { request: async () => Promise.reject(new Error("method not found")) },
  }),
}));
vi.mock("../../web/src/providers/appChain", () => ({
  useAppChain: () => ({
    deployment: { chainId: 31337, aggregator: CONTRACT },
    provider: {},
    aggregator: reader,
  }),
}));
vi.mock("../../web/src/hooks/useTaskActivity", () => ({
  useTaskActivity: () => ({ events: [], costs: [], scannedTo: 0, hcuMetered: true }),
}));
let global: Model;
vi.mock("../../web/src/hooks/useGlobalModel", () => ({
  useGlobalModel: () => ({ spec, model: global, toDecrypt: [], inputBasis: {} }),
}));
vi.mock("../../web/src/views/GlobalModel", () => ({ GlobalModel: () => null }));
// The page's connection only meters HCU: the encryption worker (in process here) encrypts.
vi.mock("../../web/src/fhe", () => ({
  fhevmConnection: async () => ({ hcuOf: () => 1 }),
}));
vi.mock("../../web/src/chain", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../web/src/chain")>()),
  aggregatorAt: () =>
    withGetFunction({
      runner: { getAddress: async () => account },
      getAddress: async () => CONTRACT,
      submittedChunks: async () => submitted,
      submitChunk: async (_t: bigint, _r: number, c: number) => {
        sent.push(c);
        submitted = submitted.map((d, i) => d || i === c);
        const hash = "0x" + "ab".repeat(32);
        return { hash, wait: async () => ({ hash, gasUsed: 1n }) };
      },
    }),
}));

/** The task on chain: created in block 5, its privacy terms whatever the test sets. */
const reader = {
  ...identityReader(CONTRACT, C),
  getTask: async () => ({ config: { modelHash: C, privacy: chainTerms }, createdBlock: 5n }),
};
const LABEL = `chain 31337 · ${CONTRACT.toLowerCase()} · task 3 (block 5)`;

afterEach(() => {
  cleanup();
  account = ACCOUNT;
  spec = DP;
  chainTerms = toOnChainPrivacy(TERMS);
  sent.length = 0;
  submitted = [false];
  requests.length = 0;
});

const task: TaskSnapshot = openRoundTask(ACCOUNT, C, DP);

/** The worker's handler run in this process on tfjs' cpu backend. */
const requests: TrainRequest[] = [];
const inProcess = inProcessTrainer(requests);

beforeAll(async () => {
  await tf.setBackend("cpu");
  const m = models.buildModel(PLAIN);
  global = { commitment: C, spec: PLAIN, weights: models.getFlatWeights(m), afterRound: 0 };
  m.dispose();
});

const ledgerIn = (kind: BrowserLedgerStore["kind"] = "indexeddb"): BrowserLedgerStore => ({
  kind,
  ...memoryLedgerStore(),
});

function page(ledgerStore = ledgerIn(), store: ParticipationStore = memoryParticipationStore()) {
  render(
    <Participation
      task={task}
      store={store}
      startWorker={inProcess}
      startEncryptor={startInProcess}
      ledgerStore={ledgerStore}
    />,
  );
  return { ledgerStore, store };
}

const pick = (text = CSV, name = "mine.csv") =>
  fireEvent.change(screen.getByLabelText("Data file"), { target: { files: [new File([text], name)] } });
const pickWithLabel = async () => {
  pick();
  fireEvent.change(await screen.findByLabelText("Label column"), { target: { value: "y" } });
  await screen.findByTestId("data-summary");
};
const setBudget = async (epsilon: string, delta?: string) => {
  fireEvent.change(await screen.findByLabelText("Budget epsilon"), { target: { value: epsilon } });
  if (delta !== undefined) fireEvent.change(screen.getByLabelText("Budget delta"), { target: { value: delta } });
  fireEvent.click(screen.getByRole("button", { name: /Set the budget|Replace the budget/ }));
};
const startButton = () => screen.getByRole("button", { name: "Train, encrypt and submit" }) as HTMLButtonElement;

describe("the participant's page before anything is picked", () => {
  it("says what data the task expects, and its DP promise", async () => {
    page();
    const expected = screen.getByTestId("expected-data").textContent;
    expect(expected).toContain("3 numbers (input shape [3])");
    expect(expected).toContain("2: 0 = no, 1 = yes");
    expect(expected).toContain("the class name exactly as listed (no, yes)");
    const promise = screen.getByTestId("privacy-promise");
    expect(promise.dataset.dp).toBe("true");
    expect(promise.textContent).toBe(`This task promises ${describePrivacy(TERMS)}.`);
    // DP-SGD's terms replace the epochs and the batch size.
    expect(screen.getByTestId("dp-training").textContent).toMatch(
      /4 steps, each taking every training record with probability 0\.25/,
    );
    expect(screen.queryByLabelText("Epochs")).toBeNull();
    expect(screen.getByText("Pick your data file to see and set its budget.")).toBeTruthy();
  });

  it("says when a task makes no promise, and shows epochs and batch size", () => {
    spec = PLAIN;
    chainTerms = NO_PRIVACY;
    page();
    expect(screen.getByTestId("privacy-promise").textContent).toMatch(
      /^This task makes no differential-privacy promise/,
    );
    expect(screen.getByLabelText("Epochs")).toBeTruthy();
  });

  it("tells an account the owner has not listed that it is not a participant, instead of the data form", () => {
    account = STRANGER;
    page();
    expect(screen.getByTestId("not-participant").textContent).toMatch(
      new RegExp(`^Your account ${STRANGER} is not a participant of this task`),
    );
    expect(screen.queryByLabelText("Data file")).toBeNull();
    expect(screen.queryByRole("button", { name: /submit/i })).toBeNull();
    expect(screen.getByTestId("expected-data")).toBeTruthy();
  });
});

describe("the task's promise", () => {
  it("is refused before anything is trained when the chain's terms differ from the spec's", async () => {
    chainTerms = toOnChainPrivacy({ ...TERMS, noiseMultiplier: 2 });
    page();
    expect((await screen.findByTestId("privacy-problem")).textContent).toMatch(
      /will not train on this task: the task's spec and its on-chain privacy terms differ in noiseMultiplier/,
    );
    await pickWithLabel();
    expect(startButton().disabled).toBe(true);
    expect(screen.getByTestId("start-blocked").textContent).toMatch(/privacy promise does not check out/);
    expect(requests).toEqual([]);
  });

  it("is refused when the chain makes none but the spec does", async () => {
    chainTerms = NO_PRIVACY;
    page();
    expect((await screen.findByTestId("privacy-problem")).textContent).toMatch(
      /the task's spec promises differential privacy but its on-chain terms do not/,
    );
  });
});

describe("the data's privacy ledger in the page", () => {
  it("sets and reads the picked file's budget, and says what this task's rounds would bring it to", async () => {
    const { ledgerStore } = page();
    expect(screen.queryByTestId("ledger-in-memory")).toBeNull();
    await pickWithLabel();
    expect(screen.getByTestId("privacy-spent").textContent).toMatch(
      /^No budget set: .* Spent ε = 0 at δ = 0\.00001, 0 rounds/,
    );
    const both = epsilonAfter([], TERMS, 2, 1e-5);
    expect(Number(screen.getByTestId("privacy-outlook").dataset.epsilon)).toBeCloseTo(both, 9);
    expect(screen.getByTestId("privacy-outlook").textContent).toMatch(
      /This task's rounds 1–2 would bring this data to ε = /,
    );
    // An empty or negative epsilon is explained, and nothing is stored.
    await setBudget("-1");
    expect((await screen.findByRole("alert")).textContent).toBe(`the budget's epsilon must be a number > 0, got "-1"`);
    expect(await ledgerStore.list()).toEqual([]);
    // A budget that holds one round but not both.
    const one = epsilonAfter([], TERMS, 1, 1e-5);
    const budget = (one + both) / 2;
    await setBudget(String(budget));
    await screen.findByText(/^Budget set: ε = /);
    const [stored] = await ledgerStore.list();
    expect(stored).toMatchObject({ label: "mine.csv", budget: { epsilon: budget, delta: 1e-5 }, charges: [] });
    // The fingerprint is the sha256 of the file's bytes (the node's dataRef of a --data file).
    expect(stored.fingerprint).toBe("0x" + createHash("sha256").update(CSV).digest("hex"));
    await waitFor(() => expect(screen.getByTestId("privacy-outlook").dataset.refusedFrom).toBe("2"));
    expect(screen.getByTestId("privacy-outlook").textContent).toMatch(/the budget refuses it from round 2 on/);
    expect((screen.getByLabelText("Budget epsilon") as HTMLInputElement).value).toBe(String(budget));
  });

  it("trains a DP round charged to the file: the request carries DP-SGD, the charge is listed", async () => {
    const { ledgerStore } = page();
    await pickWithLabel();
    await setBudget("1000");
    await screen.findByText(/^Budget set/);
    fireEvent.change(screen.getByLabelText("TensorFlow.js backend"), { target: { value: "cpu" } });
    fireEvent.click(startButton());
    await screen.findByTestId("round-submitted", {}, { timeout: 20_000 });
    expect(requests).toHaveLength(1);
    expect(requests[0].options.privacy).toEqual({ clipNorm: 1, noiseMultiplier: 1.1, samplingRate: 0.25, steps: 4 });
    expect(sent).toEqual([0]);
    const [account] = await new PrivacyLedger(ledgerStore).report();
    expect(account.charges).toEqual([
      {
        task: LABEL,
        round: 1,
        mechanism: { samplingRate: 0.25, noiseMultiplier: 1.1, steps: 4 },
        at: expect.any(String),
      },
    ]);
    const row = await screen.findByTestId("privacy-charge");
    expect(within(row).getByTitle(LABEL).textContent).toBe("chain 31337 · 0x5fbd…0aa3 · task 3 (block 5)");
    expect(row.textContent).toMatch(
      /^chain 31337 · 0x5fbd…0aa3 · task 3 \(block 5\), round 1: DP-SGD: 4 steps, sampling 0\.25, noise 1\.1 \(recorded /,
    );
    expect(screen.getByTestId("ms-per-epoch").textContent).toMatch(/ms for 4 DP-SGD steps\.$/);
    // Round 1 is charged: only round 2 of this task is left.
    await waitFor(() => expect(screen.getByTestId("privacy-outlook").textContent).toMatch(/This task's round 2 would/));
    expect(Number(screen.getByTestId("privacy-spent").dataset.spent)).toBeCloseTo(epsilonAfter([], TERMS, 1, 1e-5), 9);
  });

  it("refuses a round over the budget with the ledger's message: nothing trained, saved or sent", async () => {
    const { store } = page();
    await pickWithLabel();
    await setBudget("0.01");
    await screen.findByText(/^Budget set/);
    fireEvent.click(startButton());
    const refused = await screen.findByTestId("privacy-refused");
    expect(refused.textContent).toMatch(
      /^Your privacy ledger refused round 1: nothing was trained or sent\. Refused: chain 31337 .* task 3 \(block 5\), round 1 would exceed the privacy budget of data set "mine\.csv".*budget ε = 0\.01 at δ = 0\.00001, already spent ε = 0, this round would bring it to ε = /,
    );
    expect(refused.textContent).toContain("raise the data's privacy budget (in the budget panel on this page)");
    expect(requests).toEqual([]);
    expect(sent).toEqual([]);
    expect(await store.get(`31337:${CONTRACT.toLowerCase()}:3:${ACCOUNT.toLowerCase()}`)).toBeUndefined();
    expect(screen.queryByRole("table", { name: "Chunks of your update" })).toBeNull();
  });

  it("refuses a task without DP on data with a budget", async () => {
    spec = PLAIN;
    chainTerms = NO_PRIVACY;
    page();
    await pickWithLabel();
    await setBudget("8");
    await screen.findByText(/^Budget set/);
    await waitFor(() =>
      expect(screen.getByTestId("privacy-outlook").textContent).toMatch(
        /^This task trains without differential privacy: its rounds 1–2 would leave this data with no guarantee \(ε = ∞\): the budget refuses it/,
      ),
    );
    fireEvent.click(startButton());
    expect((await screen.findByTestId("privacy-refused")).textContent).toMatch(/trains without differential privacy/);
    expect(requests).toEqual([]);
  });

  it("says when the ledger lasts only for this page (no IndexedDB)", () => {
    page(ledgerIn("memory"));
    expect(screen.getByTestId("ledger-in-memory").textContent).toMatch(/kept in memory: budgets and charges are lost/);
  });
});

describe("scikit-learn's CSV", () => {
  it("is the node's breast-cancer dataset, parsed from the repository's own file", () => {
    const text = readFileSync("client/data/breast_cancer.csv", "utf8");
    expect(sklearnHeader(text.split("\n")[0].split(","))).toEqual({
      samples: 569,
      features: 30,
      classNames: ["malignant", "benign"],
    });
    const node = loadBreastCancer();
    const page = parseSklearnCsv(text, "breast_cancer.csv");
    expect(page).toEqual(node);
    // A task that names the classes in another order gets its own indices.
    const swapped = parseSklearnCsv(text, "breast_cancer.csv", ["benign", "malignant"]);
    expect([...swapped.y]).toEqual([...node.y].map((c) => 1 - c));
    expect(() => parseSklearnCsv(text, "b.csv", ["benign", "other"])).toThrow(
      /b\.csv:2: class "malignant" is not one of the task's classes \[benign, other\]/,
    );
    expect(sklearnHeader(["a", "b", "c", "y"])).toBeUndefined();
    expect(sklearnHeader(["569", "30", "1", "2"])).toBeUndefined();
  });

  it("is read in the page without a label column", async () => {
    page();
    pick(SKLEARN, "sk.csv");
    expect((await screen.findByTestId("sklearn-format")).textContent).toMatch(
      /scikit-learn's format: 20 samples of 3 features, the label last \(0 = no, 1 = yes\)/,
    );
    expect(screen.queryByLabelText("Label column")).toBeNull();
    expect((await screen.findByTestId("data-summary")).textContent).toBe(
      "sk.csv: 16 training and 4 test samples (read in this page only).",
    );
  });

  it("an empty file is explained", async () => {
    page();
    pick("", "empty.csv");
    expect((await screen.findByRole("alert")).textContent).toMatch(/empty\.csv: the file is empty/);
  });
});

describe("rounds left", () => {
  it("counts from the open round (else the next) and skips rounds already charged to the task", () => {
    const charge = (round: number, task = LABEL) => ({ task, round, mechanism: null, at: "" });
    expect(roundsLeft({ currentRound: 1, rounds: 3, currentOpen: true }, [], LABEL)).toEqual([1, 2, 3]);
    expect(roundsLeft({ currentRound: 1, rounds: 3, currentOpen: false }, [], LABEL)).toEqual([2, 3]);
    expect(roundsLeft({ currentRound: 0, rounds: 2, currentOpen: false }, [], LABEL)).toEqual([1, 2]);
    expect(
      roundsLeft({ currentRound: 1, rounds: 3, currentOpen: true }, [charge(1), charge(2, "other")], LABEL),
    ).toEqual([2, 3]);
  });
});
