// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import type { TaskEvent } from "../../client/src/chain/events";
import { createEncoding, type EncodingSpec } from "../../client/src/codec/encoding";
import { layoutOf, type Layout } from "../../client/src/codec/layout";
import { seededStream, type RoundContext } from "../../client/src/codec/sharedSeed";
import { decodeAggregate, encodeUpdate } from "../../client/src/codec/update";
import { specToUri, type ModelSpec } from "../../client/src/protocol/modelSpec";
import { taskSettings } from "../../client/src/protocol/taskChoices";
import { Policy } from "../../client/src/protocol/vocabulary";
import type { TaskSnapshot } from "../../web/src/chain";
import { decodeTaskRound } from "../../web/src/decryption/decode";
import { DecryptPanel } from "../../web/src/views/DecryptPanel";

// The chain, the KMS and the wallet are stubbed: the public decryption hands back the fixture's lane sums.
const kms = vi.hoisted(() => ({ words: [] as bigint[] }));
vi.mock("../../web/src/providers/appChain", () => ({
  useAppChain: () => ({ deployment: { chainId: 31337, aggregator: "0x" + "ab".repeat(20) }, provider: undefined }),
}));
vi.mock("../../web/src/hooks/useWallet", () => ({
  useWallet: () => ({ status: "disconnected" }),
  useSigner: () => undefined,
}));
vi.mock("../../web/src/fhe", () => ({
  fhevmConnection: async () => ({ instance: {} }),
  prepareDecryption: async () => {},
}));
vi.mock("../../web/src/decryption/handles", () => ({
  readHandles: async (_reader: unknown, _task: bigint, _round: number, count: number) =>
    Array.from({ length: count }, (_, i) => "0x" + i.toString(16).padStart(64, "0")),
}));
vi.mock("../../client/src/fhe/decrypt", () => ({
  publicDecryptWords: async () => [{ values: kms.words, abiEncodedClearValues: "0x", decryptionProof: "0x" }],
  userDecryptWords: async () => kms.words,
}));

afterEach(cleanup);

const GLOBAL = "0x" + "5e".repeat(32);
const CTX: RoundContext = { taskId: 3n, round: 1, globalModelHash: GLOBAL };
/** logreg on 4x4 images, 2 classes: 16 x 2 kernel + 2 biases. */
const D = 34;
const spec = (encoding?: EncodingSpec): ModelSpec => ({
  kind: "logreg",
  inputShape: [4, 4],
  numClasses: 2,
  seed: 1,
  ...(encoding ? { encoding } : {}),
});
const update = (seed: number) => Float64Array.from({ length: D }, (_, i) => (((i * 7 + seed * 13) % 11) - 5) / 40);

/** A revealed round of two participants, encoded with the client codec and summed word by word as the contract does. */
function fixture(encoding: EncodingSpec) {
  const codec = createEncoding(encoding, {
    paramCount: D,
    imageLayer: { offset: 0, height: 4, width: 4, channels: 1, units: 2 },
  });
  const layout: Layout = layoutOf(taskSettings(D, { maxCohort: 4 }, codec).codec, 4);
  const encode = (seed: number) =>
    codec
      .encode({ delta: update(seed), layout, ctx: CTX, dither: seededStream(GLOBAL, `dither${seed}`) })
      .chunks.flat();
  const [a, b] = [encode(1), encode(2)];
  const words = a.map((w, i) => w + b[i]);
  const contributors = Array<number>(layout.chunkCount).fill(2);
  const task: TaskSnapshot = {
    id: CTX.taskId,
    owner: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    modelHash: "0x" + "a0".repeat(32),
    modelURI: specToUri(spec(encoding)),
    layout,
    minCohort: 2,
    maxCohort: 4,
    rounds: 3,
    roundDuration: 3600,
    policy: Policy.Public,
    currentRound: 1,
    participantsNextRound: 2,
    participants: [],
    roundInfos: [
      {
        round: 1,
        state: "Revealed",
        openedAt: 0,
        deadline: 0,
        eligible: 2,
        completed: 2,
        chunksAtQuorum: layout.chunkCount,
        publishedBatches: 0,
        globalModelHash: GLOBAL,
        contributors,
      },
    ],
  };
  return { task, words, expected: codec.decode(words, contributors, layout, CTX), codec };
}

/** The model API's answer for a spec (what /api/model builds): D parameters. */
const modelApi = vi.fn(async (_url: string, init: { body: string }) => ({
  ok: true,
  json: async () => ({ paramCount: D, spec: JSON.parse(init.body), modelHash: "0x", modelURI: "data:" }),
}));
beforeEach(() => {
  modelApi.mockClear();
  vi.stubGlobal("fetch", modelApi);
});

describe("decodeTaskRound", () => {
  it("decodes a dct round into model space with the task's encoding, asking for the model's size", async () => {
    const { task, words, expected, codec } = fixture({ kind: "dct", keep: 2 });
    expect(codec.dimension).toBeLessThan(D);
    const dimension = vi.fn(async () => D);
    const decoded = await decodeTaskRound(task, 1, words, dimension);
    expect(dimension).toHaveBeenCalledWith(spec({ kind: "dct", keep: 2 }));
    expect(decoded.encoding).toBe("dct:2");
    expect(decoded.values).toHaveLength(D);
    expect(decoded.values).toEqual(expected);
  });

  it("decodes today's codec from the layout alone, and a task without an inline spec as today's codec", async () => {
    const layout = layoutOf(
      { valueBits: 8, laneBits: 12, wordsPerChunk: 2, paramCount: D, clip: 0.5, sampleCap: 0, weightFloor: 1 },
      4,
    );
    const words = encodeUpdate(update(1), layout).flat();
    const contributors = Array<number>(layout.chunkCount).fill(1);
    const task = {
      id: 1n,
      modelURI: specToUri(spec()),
      layout,
      roundInfos: [{ globalModelHash: GLOBAL, contributors }],
    } as TaskSnapshot;
    const dimension = vi.fn(async () => D);
    const plain = await decodeTaskRound(task, 1, words, dimension);
    expect(dimension).not.toHaveBeenCalled();
    expect(plain).toEqual({ values: decodeAggregate(words, contributors, layout), encoding: "quant" });
    const elsewhere = await decodeTaskRound({ ...task, modelURI: "ipfs://model" }, 1, words, dimension);
    expect(elsewhere.encoding).toBeUndefined();
    expect(elsewhere.values).toEqual(plain.values);
  });

  it("fails with the reason when the model's size does not fit the task's codec", async () => {
    const { task, words } = fixture({ kind: "randk", ratio: 2 });
    await expect(decodeTaskRound(task, 1, words, async () => D + 10)).rejects.toThrow(/encoding randk:2 sends 22/);
  });
});

describe("DecryptPanel on a compressed task", () => {
  it("shows the randk round decoded into model-parameter deltas, labelled as such", async () => {
    const { task, words, expected } = fixture({ kind: "randk", ratio: 2 });
    kms.words = words;
    const events: TaskEvent[] = [
      {
        name: "AggregateMadePublic",
        round: 1,
        args: { fromWord: "0", count: String(task.layout.wordCount) },
        blockNumber: 1,
        txHash: "0x" + "00".repeat(32),
        logIndex: 0,
      },
    ];
    const aggregates = { decrypted: new Map(), keep: vi.fn() };
    render(
      <DecryptPanel
        task={task}
        activity={{ events, costs: [], scannedTo: 1, hcuMetered: true }}
        aggregates={aggregates}
      />,
    );
    fireEvent.click(screen.getByRole("button", { name: "Public-decrypt round 1" }));
    const result = await screen.findByTestId("model-result");
    expect(screen.getByText("Decode the averaged update with the task's encoding (randk:2)")).toBeTruthy();
    expect(within(result).getByRole("heading").textContent).toBe(
      "Averaged model update of round 1, decoded from randk:2",
    );
    expect(within(result).getByTestId("model-result-note").textContent).toMatch(
      new RegExp(
        `summed ${task.layout.paramCount} encoded values per participant; shown are the ${D} model-parameter deltas`,
      ),
    );
    const row = (name: string) => within(result).getByRole("rowheader", { name }).nextElementSibling?.textContent;
    expect(row("Parameters")).toBe(String(D));
    for (let i = 0; i < 12; i++) expect(Number(screen.getByTestId(`value-${i}`).dataset.value)).toBe(expected[i]);
    // The decrypted round is kept for the visit's other panels, with the KMS proofs to post.
    expect(aggregates.keep).toHaveBeenCalledWith(1, {
      words,
      publicBatches: [expect.objectContaining({ values: words })],
    });
    // The model's size came from the model API, asked with the task's spec.
    expect(modelApi).toHaveBeenCalledTimes(1);
    expect(JSON.parse(modelApi.mock.calls[0][1].body)).toEqual(spec({ kind: "randk", ratio: 2 }));
  });
});
