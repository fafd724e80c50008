// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { useEffect } from "react";
import type { TaskEvent } from "../../client/src/chain/events";
import { layoutOf } from "../../client/src/codec/layout";
import { encodeUpdate } from "../../client/src/codec/update";
import { specToUri } from "../../client/src/protocol/modelSpec";
import { Policy } from "../../client/src/protocol/vocabulary";
import type { RoundSnapshot, TaskSnapshot } from "../../web/src/chain";
import { useRoundAggregates, type RoundAggregates } from "../../web/src/hooks/useRoundAggregates";
import { DecryptPanel } from "../../web/src/views/DecryptPanel";

// The round aggregates panel as one visit sees it: the wallet, the chain's handles and the KMS are stubbed;
// handle "<round>:<word>" decrypts to that word of the round's lane sums.
const ME = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const kms = vi.hoisted(() => ({ words: new Map<number, bigint[]>(), requests: 0, signatures: 0, wallet: "ready" }));
vi.mock("../../web/src/providers/appChain", () => ({
  useAppChain: () => ({ deployment: { chainId: 31337, aggregator: "0x" + "ab".repeat(20) }, provider: undefined }),
}));
vi.mock("../../web/src/hooks/useWallet", () => ({
  useWallet: () => ({ status: kms.wallet }),
  useSigner: () =>
    kms.wallet === "ready"
      ? async () => ({
          signer: {
            getAddress: async () => ME,
            signTypedData: async () => {
              kms.signatures++;
              return "0x";
            },
          },
          eip1193: {},
        })
      : undefined,
}));
vi.mock("../../web/src/fhe", () => ({
  fhevmConnection: async () => ({ instance: {} }),
  prepareDecryption: async () => {},
}));
vi.mock("../../web/src/decryption/handles", () => ({
  readHandles: async (_reader: unknown, _task: bigint, round: number, count: number) =>
    Array.from({ length: count }, (_, i) => `${round}:${i}`),
}));
const clear = (handle: string) => {
  const [round, word] = handle.split(":").map(Number);
  return kms.words.get(round)![word];
};
vi.mock("../../client/src/fhe/decrypt", () => ({
  userDecryptWords: async (
    _instance: unknown,
    signer: { signTypedData: (...a: unknown[]) => Promise<string> },
    _contract: string,
    handles: string[],
  ) => {
    kms.requests++;
    await signer.signTypedData({}, {}, {});
    return handles.map(clear);
  },
  publicDecryptWords: async (_instance: unknown, handles: string[]) => {
    kms.requests++;
    return [{ values: handles.map(clear), abiEncodedClearValues: "0x", decryptionProof: "0x" }];
  },
}));

afterEach(() => {
  cleanup();
  kms.requests = 0;
  kms.signatures = 0;
});

const SPEC = { kind: "logreg" as const, inputShape: [2], numClasses: 2, seed: 1 };
const LAYOUT = layoutOf(
  { valueBits: 8, laneBits: 12, wordsPerChunk: 2, paramCount: 6, clip: 0.5, sampleCap: 0, weightFloor: 1 },
  4,
);
/** Round r's sum of one participant's update whose every value is r / 10 (so its average shows the round). */
const wordsOf = (r: number) => encodeUpdate(new Float64Array(6).fill(r / 10), LAYOUT).flat();
kms.words.set(1, wordsOf(1)).set(2, wordsOf(2));

const round = (n: number, state: RoundSnapshot["state"]): RoundSnapshot => ({
  round: n,
  state,
  openedAt: 0,
  deadline: 0,
  eligible: 1,
  completed: 1,
  chunksAtQuorum: LAYOUT.chunkCount,
  publishedBatches: 0,
  globalModelHash: "0x" + String(n).repeat(64),
  contributors: Array<number>(LAYOUT.chunkCount).fill(1),
});
const task = (policy: number, rounds: RoundSnapshot[]): TaskSnapshot => ({
  id: 4n,
  owner: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  modelHash: "0x" + "a0".repeat(32),
  modelURI: specToUri(SPEC),
  layout: LAYOUT,
  minCohort: 1,
  maxCohort: 4,
  rounds: 3,
  roundDuration: 3600,
  policy,
  currentRound: rounds.length,
  participantsNextRound: 1,
  participants: [],
  roundInfos: rounds,
});
/** Every word of round `r` granted to ME (PARTICIPANTS) or made public (PUBLIC). */
const materialised = (name: "AggregateAccessGranted" | "AggregateMadePublic", r: number): TaskEvent => ({
  name,
  round: r,
  args: { account: ME, fromWord: "0", count: String(LAYOUT.wordCount) },
  blockNumber: 1,
  txHash: "0x" + "00".repeat(32),
  logIndex: r,
});

/** The dashboard's wiring: one set of decrypted rounds per visit; `visit.aggregates` is what the rebuild would write to. */
const visit: { aggregates?: RoundAggregates } = {};
function Dashboard({ t, events }: { t: TaskSnapshot; events: TaskEvent[] }) {
  const aggregates = useRoundAggregates();
  useEffect(() => {
    visit.aggregates = aggregates;
  }, [aggregates]);
  return (
    <DecryptPanel task={t} activity={{ events, costs: [], scannedTo: 1, hcuMetered: true }} aggregates={aggregates} />
  );
}

const result = () => screen.queryByTestId("model-result");
const steps = () => screen.queryByRole("list", { name: /^Decryption of round/ });

describe("one decryption per round per visit", () => {
  it("shows only the chosen round's steps, and decodes a round the rebuild decrypted without asking again", async () => {
    kms.wallet = "ready";
    const events = [materialised("AggregateAccessGranted", 1), materialised("AggregateAccessGranted", 2)];
    const { rerender } = render(
      <Dashboard t={task(Policy.Participants, [round(1, "Revealed"), round(2, "Open")])} events={events} />,
    );
    fireEvent.click(screen.getByRole("button", { name: "Decrypt round 1" }));
    expect(within(await screen.findByTestId("model-result")).getByRole("heading").textContent).toBe(
      "Averaged update of round 1",
    );
    expect(kms.signatures).toBe(1);

    // Round 2 is revealed: the panel moves to it, with nothing of round 1's decryption on it.
    const both = task(Policy.Participants, [round(1, "Revealed"), round(2, "Revealed")]);
    rerender(<Dashboard t={both} events={events} />);
    expect((screen.getByLabelText("Round") as HTMLSelectElement).value).toBe("2");
    expect(result()).toBeNull();
    expect(steps()).toBeNull();
    expect(screen.getByRole("button", { name: "Decrypt round 2" })).toBeTruthy();

    // The global-model rebuild decrypts round 2: the panel shows it at once, no new signature or KMS request.
    act(() => visit.aggregates!.keep(2, { words: wordsOf(2) }));
    expect(within(await screen.findByTestId("model-result")).getByRole("heading").textContent).toBe(
      "Averaged update of round 2",
    );
    expect(Number(screen.getByTestId("value-0").dataset.value)).toBeCloseTo(0.2, 1);
    expect(within(steps()!).getByText(/Reuse round 2's aggregate, decrypted earlier in this visit/)).toBeTruthy();
    expect(screen.queryByRole("button", { name: /Decrypt round 2/ })).toBeNull();
    expect([kms.signatures, kms.requests]).toEqual([1, 1]);

    // Back to round 1: its values again, still without asking.
    fireEvent.change(screen.getByLabelText("Round"), { target: { value: "1" } });
    expect(within(result()!).getByRole("heading").textContent).toBe("Averaged update of round 1");
    expect([kms.signatures, kms.requests]).toEqual([1, 1]);
  });

  it("hands the rounds it decrypts to the rebuild (the visit's aggregates)", async () => {
    kms.wallet = "ready";
    render(
      <Dashboard
        t={task(Policy.Participants, [round(1, "Revealed")])}
        events={[materialised("AggregateAccessGranted", 1)]}
      />,
    );
    fireEvent.click(screen.getByRole("button", { name: "Decrypt round 1" }));
    await screen.findByTestId("model-result");
    // Handed over in the same callback as the result, but the shared store renders on its own: wait for it.
    await waitFor(() => expect(visit.aggregates?.decrypted.get(1)).toEqual({ words: wordsOf(1) }));
  });
});

describe("public decryption without a wallet", () => {
  it("is offered only once the round is publicly decryptable, and says why not before", async () => {
    kms.wallet = "no-wallet";
    const t = task(Policy.Public, [round(1, "Revealed")]);
    const { rerender } = render(<Dashboard t={t} events={[]} />);
    const button = () => screen.getByRole("button", { name: "Public-decrypt round 1" }) as HTMLButtonElement;
    expect(button().disabled).toBe(true);
    expect(screen.getByText(/nobody has made this aggregate publicly decryptable yet/)).toBeTruthy();

    rerender(<Dashboard t={t} events={[materialised("AggregateMadePublic", 1)]} />);
    expect(button().disabled).toBe(false);
    fireEvent.click(button());
    expect(within(await screen.findByTestId("model-result")).getByRole("heading").textContent).toBe(
      "Averaged update of round 1",
    );
    expect(screen.queryByRole("alert")).toBeNull();
    // Posting the clear values is a transaction: that still needs a wallet.
    expect(
      (screen.getByRole("button", { name: "Post the clear aggregate on-chain" }) as HTMLButtonElement).disabled,
    ).toBe(true);
  });
});
