// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import * as tf from "@tensorflow/tfjs";
import type { TaskEvent } from "../../client/src/chain/events";
import * as models from "../../client/src/ml/models";
import type { ModelSpec } from "../../client/src/protocol/modelSpec";
import { NO_PRIVACY } from "../../client/src/protocol/privacy";
import type { TaskSnapshot } from "../../web/src/chain";
import type { GlobalModel as Model } from "../../web/src/model/store";
import { TrainingCancelled, type TrainingRun } from "../../web/src/participate/trainer";
import type { TrainMessage, TrainRequest } from "../../web/src/participate/trainProtocol";
import { memoryParticipationStore } from "../../web/src/participate/updateStore";
import { Participation } from "../../web/src/views/Participate";
import { withTaskId } from "../../web/src/components/TaskIdRoute";
import { WithTask } from "../../web/src/views/WithTask";
import { startInProcess } from "./encryptFakes";
import { inProcessTrainer, openRoundTask } from "./participateFixtures";
import { identityReader, withGetFunction } from "../shared/fakeAggregator";

// jsdom: the participant's page as a user drives it, with the chain, the wallet and the fhEVM faked at
// their edges (an aggregator that records submitChunk, an instance that "encrypts"); training is real
// (the worker's handler in this process, tfjs cpu).
const ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const C = "0x" + "c1".repeat(32);
const SPEC: ModelSpec = { kind: "logreg", inputShape: [3], numClasses: 2, seed: 2 };
const SECRET = "27.1828182";
const CSV = [
  "a,b,c,y",
  `${SECRET},1,0,1`,
  ...Array.from({ length: 19 }, (_, i) => `${i % 5},${(i * 3) % 7},${i % 2},${i % 2}`),
].join("\n");

const sent: number[] = [];
let submitted: boolean[] = [false];
vi.mock("wagmi", () => ({ useAccount: () => ({ address: ACCOUNT }) }));
vi.mock("../../web/src/hooks/useWallet", () => ({
  useWallet: () => ({ status: "ready" }),
  useSigner: () => async () => ({
    signer: { getAddress: async () => ACCOUNT },
    eip1193: { request: async () => Promise.reject(new Error("method not found")) },
  }),
}));
vi.mock("../../web/src/providers/appChain", () => ({
  useAppChain: () => ({
    deployment: { chainId: 31337, aggregator: CONTRACT },
    provider: {},
    // The task as the chain states it: its identity and no DP promise.
    aggregator: {
      ...identityReader(CONTRACT, C),
      getTask: async () => ({ config: { modelHash: C, privacy: NO_PRIVACY }, createdBlock: 5n }),
    },
  }),
}));
let query: { data?: TaskSnapshot; error?: Error } = {};
vi.mock("../../web/src/hooks/useChainQuery", () => ({ useChainQuery: () => query }));
let events: TaskEvent[] = [];
vi.mock("../../web/src/hooks/useTaskActivity", () => ({
  useTaskActivity: () => ({ events, costs: [], scannedTo: 0, hcuMetered: true }),
}));
let global: Model;
/** A pca task's input basis as the Global model panel's hook reports it (other tasks: no digest). */
let inputBasis: { digest?: string; held?: boolean } = {};
vi.mock("../../web/src/hooks/useGlobalModel", () => ({
  useGlobalModel: () => ({ spec: SPEC, model: global, toDecrypt: [], inputBasis }),
}));
vi.mock("../../web/src/views/GlobalModel", () => ({ GlobalModel: () => null }));
// The page's connection only meters HCU: the encryption worker (in process here) encrypts.
vi.mock("../../web/src/fhe", () => ({
  fhevmConnection: async () => ({ hcuOf: () => 4242 }),
}));
vi.mock("../../web/src/chain", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../web/src/chain")>()),
  aggregatorAt: () =>
    withGetFunction({
      runner: { getAddress: async () => ACCOUNT },
      getAddress: async () => CONTRACT,
      submittedChunks: async () => submitted,
      submitChunk: async (_t: bigint, _r: number, c: number) => {
        sent.push(c);
        submitted = submitted.map((d, i) => d || i === c);
        const hash = "0x" + "ab".repeat(32);
        return { hash, wait: async () => ({ hash, gasUsed: 123456n }) };
      },
    }),
}));

afterEach(cleanup);

const task: TaskSnapshot = openRoundTask(ACCOUNT, C, SPEC);

/** The worker's handler run in this process on tfjs' cpu backend. */
const requests: TrainRequest[] = [];
const inProcess = inProcessTrainer(requests);

/** The page's workers, both run in this process: training (tfjs cpu) and encryption (a fake instance). */
const inThisProcess = { startWorker: inProcess, startEncryptor: startInProcess };

beforeAll(async () => {
  await tf.setBackend("cpu");
  const m = models.buildModel(SPEC);
  global = { commitment: C, spec: SPEC, weights: models.getFlatWeights(m), afterRound: 0 };
  m.dispose();
});

const pick = () =>
  fireEvent.change(screen.getByLabelText("Data file"), { target: { files: [new File([CSV], "mine.csv")] } });
/** Chooses the CSV's label column among its header columns (offered once the file is read). */
const chooseLabel = async (column = "y") =>
  fireEvent.change(await screen.findByLabelText("Label column"), { target: { value: column } });

describe("the participant's page", () => {
  it("explains bad data as the node does, then shows the node's split of the file", async () => {
    render(<Participation task={task} store={memoryParticipationStore()} {...inThisProcess} />);
    expect(screen.getByTestId("round-state").textContent).toMatch(/Round 1 of 2 is open\. Your account is listed/);
    pick();
    // The file's header columns are offered; nothing is parsed until one is chosen (no "label" column here).
    expect((await screen.findByTestId("choose-label")).textContent).toBe(
      "Choose the label column of mine.csv to read it.",
    );
    const options = [...(screen.getByLabelText("Label column") as HTMLSelectElement).options].map((o) => o.value);
    expect(options).toEqual(["", "a", "b", "c", "y"]);
    expect(screen.queryByRole("alert")).toBeNull();
    await chooseLabel("a");
    expect((await screen.findByRole("alert")).textContent).toMatch(/label 27\.1828182 is not a non-negative integer/);
    await chooseLabel();
    expect((await screen.findByTestId("data-summary")).textContent).toBe(
      "mine.csv: 16 training and 4 test samples (read in this page only).",
    );
    fireEvent.change(screen.getByLabelText("Epochs"), { target: { value: "0" } });
    expect((await screen.findByRole("alert")).textContent).toBe(`epochs must be an integer >= 1, got "0"`);
  });

  it("trains, submits the chunk with gas and HCU, keeps the update for a reload, and sends nothing else", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const xhr = vi.spyOn(XMLHttpRequest.prototype, "send");
    const store = memoryParticipationStore();
    sent.length = 0;
    submitted = [false];
    render(<Participation task={task} store={store} {...inThisProcess} />);
    pick();
    await chooseLabel();
    await screen.findByTestId("data-summary");
    fireEvent.change(screen.getByLabelText("TensorFlow.js backend"), { target: { value: "cpu" } });
    fireEvent.click(screen.getByRole("button", { name: "Train, encrypt and submit" }));
    await screen.findByTestId("round-submitted", {}, { timeout: 20_000 });
    expect(requests.at(-1)?.backends).toEqual(["cpu"]);
    expect(sent).toEqual([0]);
    // Encrypted in the encryption worker (in process here), which says how: on the devnet, no threads needed.
    expect(screen.getByTestId("encryption-threads").textContent).toMatch(
      /^Encryption: 1 thread — on the local devnet the mock fhEVM does no TFHE work .*; this page is cross-origin isolated$/,
    );
    const row = screen.getByTestId("chunk-0");
    expect(row.getAttribute("data-status")).toBe("confirmed");
    expect(row.textContent).toContain("123,456");
    expect(row.textContent).toContain("4,242");
    expect(screen.getByText(/One wallet confirmation per chunk \(1\)/)).toBeTruthy();
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(xhr).not.toHaveBeenCalled();
    fetchSpy.mockRestore();
    xhr.mockRestore();
    // Its confirmation is enough to say so (the chain's events reach the page a scan later); nothing to send.
    expect(screen.getByTestId("round-state").textContent).toMatch(/Your update is submitted: its chunk is on chain/);
    expect(screen.queryByRole("button", { name: /submit/i })).toBeNull();
    // A reload after the chunk's transaction was lost: the saved update is offered and sent, not retrained.
    submitted = [false];
    const trainings = requests.length;
    cleanup();
    render(<Participation task={task} store={store} {...inThisProcess} />);
    fireEvent.click(await screen.findByRole("button", { name: "Submit the saved update" }));
    await screen.findByTestId("round-submitted", {}, { timeout: 20_000 });
    expect(screen.getByText(/Resumed the update this browser saved for round 1/)).toBeTruthy();
    expect(sent).toEqual([0, 0]);
    expect(requests).toHaveLength(trainings);
    // Once the chain holds every chunk, a reload sends nothing again: the chain's record skips it.
    cleanup();
    render(<Participation task={task} store={store} {...inThisProcess} />);
    fireEvent.click(await screen.findByRole("button", { name: "Submit the saved update" }));
    await screen.findByTestId("round-submitted", {}, { timeout: 20_000 });
    expect(screen.getByTestId("chunk-0").getAttribute("data-status")).toBe("on-chain");
    expect(sent).toEqual([0, 0]);
  });

  it("says the update is in and what comes next once the chain holds every chunk, in every later state", () => {
    const store = memoryParticipationStore();
    const event = (name: string, args: Record<string, string>): TaskEvent => ({
      name,
      round: 1,
      args: { participant: ACCOUNT.toLowerCase(), ...args },
      blockNumber: 5,
      txHash: "0x" + "0a".repeat(32),
      logIndex: 0,
    });
    events = [event("ChunkSubmitted", { chunk: "0", contributors: "1" }), event("ParticipantCompleted", {})];
    const inState = (state: TaskSnapshot["roundInfos"][number]["state"]): TaskSnapshot => ({
      ...task,
      roundInfos: [{ ...task.roundInfos[0], state }],
    });
    const shown = (state: TaskSnapshot["roundInfos"][number]["state"]) => {
      cleanup();
      render(<Participation task={inState(state)} store={store} {...inThisProcess} />);
      const status = screen.getByTestId("round-state");
      expect(status.dataset.submitted).toBe("true");
      expect(screen.queryByRole("button", { name: /submit/i })).toBeNull();
      return status.textContent;
    };
    try {
      expect(shown("Open")).toMatch(
        /^Round 1 of 2 is open\. Your update is submitted: its chunk is on chain\. Next: the round closes .* rebuilds the global model/,
      );
      expect(shown("Closed")).toMatch(
        /^Round 1 of 2 is closed\. Your update is submitted.* counted in the round's sum/,
      );
      expect(shown("Revealed")).toMatch(
        /is revealed\. Your update is submitted.* part of the revealed sum.* round 2 opens/,
      );
      expect(shown("Failed")).toMatch(
        /^Round 1 of 2 failed\. .*fewer than 2 contributors.* starts again from the same model/,
      );
    } finally {
      events = [];
    }
  });

  it("waits for the round's committed model before it trains", async () => {
    const rebuilt = global;
    global = { ...rebuilt, commitment: "0x" + "00".repeat(32) };
    try {
      render(<Participation task={task} store={memoryParticipationStore()} {...inThisProcess} />);
      pick();
      await chooseLabel();
      await screen.findByTestId("data-summary");
      expect((screen.getByRole("button", { name: "Train, encrypt and submit" }) as HTMLButtonElement).disabled).toBe(
        true,
      );
      expect(screen.getByTestId("model-not-ready").textContent).toMatch(/rebuild round 1's global model/);
    } finally {
      global = rebuilt;
    }
  });

  it("a pca task: trains only once the task's input basis is held, and says where to load it", async () => {
    inputBasis = { digest: "0x" + "b5".repeat(32), held: false };
    try {
      const { rerender } = render(<Participation task={task} store={memoryParticipationStore()} {...inThisProcess} />);
      pick();
      await chooseLabel();
      await screen.findByTestId("data-summary");
      const button = () => screen.getByRole("button", { name: "Train, encrypt and submit" }) as HTMLButtonElement;
      expect(button().disabled).toBe(true);
      expect(screen.getByTestId("start-blocked").textContent).toBe(
        "Load the task's input basis first (Input basis, in the Global model panel below).",
      );
      inputBasis = { ...inputBasis, held: true };
      rerender(<Participation task={task} store={memoryParticipationStore()} {...inThisProcess} />);
      expect(button().disabled).toBe(false);
      expect(screen.queryByTestId("start-blocked")).toBeNull();
    } finally {
      inputBasis = {};
    }
  });

  it("cancels a running training: nothing saved, nothing sent", async () => {
    sent.length = 0;
    const cancel = vi.fn();
    const hanging = (_r: TrainRequest, onMessage: (m: TrainMessage) => void): TrainingRun => {
      let reject: (e: Error) => void = () => {};
      const result = new Promise<never>((_, r) => (reject = r));
      setTimeout(() => onMessage({ type: "progress", epoch: 1, epochs: 3, loss: 0.693, ms: 5 }), 0);
      return {
        result,
        cancel: () => {
          cancel();
          reject(new TrainingCancelled());
        },
      };
    };
    const store = memoryParticipationStore();
    render(<Participation task={task} store={store} {...inThisProcess} startWorker={hanging} />);
    pick();
    await chooseLabel();
    await screen.findByTestId("data-summary");
    fireEvent.click(screen.getByRole("button", { name: "Train, encrypt and submit" }));
    expect((await screen.findByText(/epoch 1 of 3, loss 0\.693/)).textContent).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Cancel training" }));
    await screen.findByText("Training cancelled: nothing was saved or sent.");
    expect(cancel).toHaveBeenCalled();
    expect(sent).toEqual([]);
    await waitFor(() => expect(screen.getByRole("button", { name: "Train, encrypt and submit" })).toBeTruthy());
  });
});

describe("task routes", () => {
  it("show a task once it is read, and say when it is loading or could not be read", () => {
    const view = () => <WithTask id={3n}>{(t) => `rounds: ${t.rounds}`}</WithTask>;
    query = {};
    const { rerender } = render(view());
    expect(screen.getByRole("status").textContent).toBe("Loading task…");
    query = { error: new Error("connection refused") };
    rerender(view());
    expect(screen.getByRole("alert").textContent).toMatch(/^Could not read task #3: .*connection refused/);
    query = { data: task };
    rerender(view());
    expect(screen.getByText("rounds: 2")).toBeTruthy();
  });

  it("render the page for a positive integer id and explain anything else", () => {
    render(<>{withTaskId("0", () => "never")}</>);
    expect(screen.getByRole("alert").textContent).toBe("“0” is not a task id: task ids are positive integers.");
    cleanup();
    render(<>{withTaskId("12", (id) => `task ${id + 1n}`)}</>);
    expect(screen.getByText("task 13")).toBeTruthy();
  });
});
