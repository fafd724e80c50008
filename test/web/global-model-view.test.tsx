// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { layoutOf } from "../../client/src/codec/layout";
import { specToUri, type ModelSpec } from "../../client/src/protocol/modelSpec";
import { Policy } from "../../client/src/protocol/vocabulary";
import type { RoundSnapshot, TaskSnapshot } from "../../web/src/chain";
import type { FlowRunner } from "../../web/src/hooks/useFlow";
import type { GlobalModelState } from "../../web/src/hooks/useGlobalModel";
import { planRebuild } from "../../web/src/model/rebuild";
import type { GlobalModel as Model } from "../../web/src/model/store";
import { GlobalModel } from "../../web/src/views/GlobalModel";
import { RoundActions } from "../../web/src/views/RoundActions";

// The owner's wallet, connected; transactions are not sent.
vi.mock("wagmi", () => ({ useAccount: () => ({ address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" }) }));
vi.mock("../../web/src/hooks/useWallet", () => ({ useWallet: () => ({ status: "ready" }) }));
vi.mock("../../web/src/hooks/useTx", () => ({
  useTx: () => ({ state: { phase: "idle" }, busy: false, run: vi.fn(), reset: vi.fn() }),
}));

// jsdom: no hashing here (ethers' sha256 rejects jsdom's typed arrays); commitments are stand-ins.
afterEach(cleanup);

const SPEC: ModelSpec = { kind: "logreg", inputShape: [4], numClasses: 2, seed: 5 };
const C0 = "0x" + "a0".repeat(32);
const C1 = "0x" + "a1".repeat(32);

const round = (n: number, state: RoundSnapshot["state"], globalModelHash: string): RoundSnapshot => ({
  round: n,
  state,
  openedAt: 0,
  deadline: 0,
  eligible: 2,
  completed: 2,
  chunksAtQuorum: 1,
  publishedBatches: 0,
  globalModelHash,
  contributors: [2],
});

const task = (rounds: RoundSnapshot[]): TaskSnapshot => ({
  id: 1n,
  owner: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  modelHash: C0,
  modelURI: specToUri(SPEC),
  layout: layoutOf(
    { valueBits: 8, laneBits: 12, wordsPerChunk: 8, paramCount: 10, clip: 0.5, sampleCap: 0, weightFloor: 1 },
    4,
  ),
  minCohort: 2,
  maxCohort: 4,
  rounds: 3,
  roundDuration: 3600,
  policy: Policy.Participants,
  currentRound: rounds.length,
  participantsNextRound: 2,
  participants: [],
  roundInfos: rounds,
});

const model = (commitment: string, afterRound: number): Model => ({
  commitment,
  spec: SPEC,
  weights: new Float32Array(10),
  afterRound,
});
const flow = (overrides: Partial<FlowRunner> = {}): FlowRunner => ({
  steps: [],
  running: false,
  start: async () => undefined,
  ...overrides,
});

const state = (overrides: Partial<GlobalModelState>): GlobalModelState => ({
  spec: SPEC,
  toDecrypt: [],
  flow: flow(),
  decrypted: false,
  needsWallet: false,
  rebuild: () => {},
  importModel: async () => {},
  inputBasis: { load: async () => {} },
  needsInputBasis: false,
  storeKind: "indexeddb",
  ...overrides,
});

describe("GlobalModel view", () => {
  const deployment = { chainId: 31337, aggregator: "0xAbC0000000000000000000000000000000000001" };

  it("shows the rebuilt model, that the chain committed to it, and its downloads", () => {
    const t = task([round(1, "Revealed", C0), round(2, "Open", C1)]);
    render(
      <GlobalModel
        task={t}
        state={state({ model: model(C1, 1), plan: planRebuild(t, [], new Set([C1])) })}
        deployment={deployment}
        walletReady={false}
      />,
    );
    expect(screen.getByTestId("global-model-commitment").getAttribute("data-commitment")).toBe(C1);
    expect(screen.getByTestId("global-model-verified").textContent).toMatch(/round 2 opened with/);
    expect(screen.getByRole("button", { name: "Download for TensorFlow.js" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Download the model file for nodes" })).toBeTruthy();
    expect(screen.getByRole("link", { name: "Evaluate on a local file" }).getAttribute("href")).toBe(
      `/evaluate?model=${C1}`,
    );
    expect(screen.getByText(/IndexedDB/)).toBeTruthy();
  });

  it("asks for the owner's or a participant's wallet before decrypting, and shows a failure", () => {
    const t = task([round(1, "Revealed", C0)]);
    const plan = planRebuild(t, [], new Set());
    const failure = { message: "You rejected the request in your wallet. Nothing was sent.", rejected: true };
    render(
      <GlobalModel
        task={t}
        state={state({
          plan,
          toDecrypt: [1],
          needsWallet: true,
          flow: flow({ steps: [{ label: "x", status: "failed" }], failure }),
        })}
        deployment={deployment}
        walletReady={false}
      />,
    );
    expect(screen.getByText(/needs the aggregate of round 1/)).toBeTruthy();
    expect((screen.getByRole("button", { name: "Rebuild the global model" }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByRole("alert").textContent).toMatch(/Rebuild failed: You rejected/);
  });

  it("PUBLIC: rebuilds without a wallet once the aggregates are public, and says why it cannot before", () => {
    const t = { ...task([round(1, "Revealed", C0)]), policy: Policy.Public };
    const plan = planRebuild(t, [], new Set());
    const button = () => screen.getByRole("button", { name: "Rebuild the global model" }) as HTMLButtonElement;
    const { rerender } = render(
      <GlobalModel
        task={t}
        state={state({ plan, toDecrypt: [1], needsWallet: true })}
        deployment={deployment}
        walletReady={false}
      />,
    );
    expect(button().disabled).toBe(true);
    expect(screen.getByText(/nobody has made these aggregates publicly decryptable yet/)).toBeTruthy();
    rerender(
      <GlobalModel task={t} state={state({ plan, toDecrypt: [1] })} deployment={deployment} walletReady={false} />,
    );
    expect(button().disabled).toBe(false);
    expect(screen.getByText(/The aggregates are public: anyone can decrypt them/)).toBeTruthy();
  });

  it("pca: asks for the task's input basis file before the rebuild, loads it, and says when it is held", async () => {
    const digest = "0x" + "b5".repeat(32);
    const pca: ModelSpec = { ...SPEC, encoding: { kind: "pca", keep: 2, basis: digest } };
    const t = task([round(1, "Revealed", C0)]);
    const plan = planRebuild(t, [], new Set());
    const load = vi.fn(async (file: File) => {
      throw new Error(`${file.name}: it holds the basis 0x12, not the task's ${digest}: ignored`);
    });
    const missing = { digest, held: false, load };
    const view = (inputBasis: GlobalModelState["inputBasis"], needsInputBasis: boolean) => (
      <GlobalModel
        task={t}
        state={state({ spec: pca, plan, toDecrypt: [1], inputBasis, needsInputBasis })}
        deployment={deployment}
        walletReady
      />
    );
    const { rerender } = render(view(missing, true));
    expect(screen.getByTestId("needs-input-basis").textContent).toMatch(
      new RegExp(`pca:2 encoding .* need that input basis \\(0xb5b5b5b5…b5b5b5\\)\\. Load the file ${digest}\\.json`),
    );
    expect(screen.getByTestId("rebuild-waits-for-basis").textContent).toMatch(/load it first/);
    expect(screen.queryByRole("button", { name: "Rebuild the global model" })).toBeNull();
    const file = new File(["{}"], "wrong.json", { type: "application/json" });
    fireEvent.change(screen.getByTestId("input-basis-file"), { target: { files: [file] } });
    expect((await screen.findByRole("alert")).textContent).toMatch(
      /wrong.json: it holds the basis 0x12, not the task's/,
    );
    expect(load).toHaveBeenCalledWith(file);

    rerender(view({ digest, held: true, load }, false));
    expect(screen.getByTestId("input-basis-held").textContent).toMatch(/held in this browser, checked against/);
    expect(screen.queryByTestId("input-basis-file")).toBeNull();
    expect(screen.getByRole("button", { name: "Rebuild the global model" })).toBeTruthy();
  });

  it("says when the task's model is not an inline spec", () => {
    render(<GlobalModel task={task([])} state={state({ spec: undefined })} deployment={deployment} walletReady />);
    expect(screen.getByText(/cannot rebuild it/)).toBeTruthy();
  });
});

describe("RoundActions: opening a round with the rebuilt model", () => {
  it("offers the model after the previous round, never a pasted hash, and waits until that round is revealed", () => {
    const open = (t: TaskSnapshot, next: GlobalModelState) => {
      cleanup();
      render(<RoundActions task={t} now={0} next={next} />);
    };
    const revealed = task([round(1, "Revealed", C0)]);
    open(revealed, state({ model: model(C1, 1), plan: planRebuild(revealed, [], new Set()) }));
    expect(screen.getByTestId("open-commitment-2").getAttribute("title")).toBe(C1);
    expect(screen.queryByRole("textbox")).toBeNull();
    expect((screen.getByRole("button", { name: "Open round 2" }) as HTMLButtonElement).disabled).toBe(false);

    open(revealed, state({ plan: planRebuild(revealed, [], new Set()), toDecrypt: [1] }));
    expect(screen.getByText(/rebuild it first/)).toBeTruthy();
    expect((screen.getByRole("button", { name: "Open round 2" }) as HTMLButtonElement).disabled).toBe(true);

    const running = task([round(1, "Revealed", C0), round(2, "Open", C1)]);
    open(running, state({ model: model(C1, 1), plan: planRebuild(running, [], new Set([C1])) }));
    expect(screen.getByText(/rebuilds once round 2 is revealed/)).toBeTruthy();
    expect(screen.queryByTestId("open-commitment-3")).toBeNull();
  });

  it("lets the owner type a commitment only for a task whose model is not an inline spec", () => {
    const t = { ...task([round(1, "Revealed", C0)]), modelURI: "ipfs://model" };
    render(<RoundActions task={t} now={0} next={state({ spec: undefined })} />);
    const input = screen.getByLabelText(/Global model commitment for round 2/) as HTMLInputElement;
    const button = screen.getByRole("button", { name: "Open round 2" }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    fireEvent.change(input, { target: { value: C1 } });
    expect(button.disabled).toBe(false);
  });
});
