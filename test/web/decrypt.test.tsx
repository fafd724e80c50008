// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { WORDS_PER_GRANT, missingRanges } from "../../client/src/chain/aggregate";
import type { TaskEvent } from "../../client/src/chain/events";
import { layoutOf } from "../../client/src/codec/layout";
import { specToUri } from "../../client/src/protocol/modelSpec";
import type { RoundSnapshot, TaskSnapshot } from "../../web/src/chain";
import { ModelResult } from "../../web/src/components/ModelResult";
import { aggregateDownload } from "../../web/src/decryption/download";
import { HANDLE_PAGE, readHandles } from "../../web/src/decryption/handles";
import { decryptionBatchCount, grantedRanges, unpublishedBatches } from "../../web/src/decryption/ranges";
import type { FlowRunner } from "../../web/src/hooks/useFlow";
import { PublishClear } from "../../web/src/views/PublishClear";

afterEach(cleanup);

const ME = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const OTHER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

const event = (name: string, round: number, args: Record<string, string>): TaskEvent => ({
  name,
  round,
  args,
  blockNumber: 1,
  txHash: "0x" + "00".repeat(32),
  logIndex: 0,
});

describe("word ranges", () => {
  it("splits what is not covered into transactions of at most `max` words", () => {
    expect(missingRanges(600, [], 256)).toEqual([
      { from: 0, count: 256 },
      { from: 256, count: 256 },
      { from: 512, count: 88 },
    ]);
    expect(missingRanges(1000, [])).toEqual([
      { from: 0, count: WORDS_PER_GRANT },
      { from: WORDS_PER_GRANT, count: WORDS_PER_GRANT },
      { from: 2 * WORDS_PER_GRANT, count: 1000 - 2 * WORDS_PER_GRANT },
    ]);
    expect(
      missingRanges(100, [
        { from: 10, count: 20 },
        { from: 25, count: 10 },
        { from: 90, count: 50 },
      ]),
    ).toEqual([
      { from: 0, count: 10 },
      { from: 35, count: 55 },
    ]);
    expect(missingRanges(23, [{ from: 0, count: 23 }])).toEqual([]);
  });

  it("counts only this account's grants of this round, or the public ranges under PUBLIC", () => {
    const events = [
      event("AggregateAccessGranted", 1, { account: ME.toLowerCase(), fromWord: "0", count: "10" }),
      event("AggregateAccessGranted", 1, { account: OTHER, fromWord: "10", count: "10" }),
      event("AggregateAccessGranted", 2, { account: ME, fromWord: "10", count: "10" }),
      event("AggregateMadePublic", 1, { fromWord: "5", count: "3" }),
    ];
    expect(grantedRanges(events, 1, 0, ME)).toEqual([{ from: 0, count: 10 }]);
    expect(grantedRanges(events, 1, 0, undefined)).toEqual([]);
    expect(grantedRanges(events, 1, 1, ME)).toEqual([{ from: 5, count: 3 }]);
  });

  it("lists the 16-word batches whose clear values are not verified on-chain yet", () => {
    const events = [
      event("ClearAggregateBatchPublished", 1, { batch: "1" }),
      event("ClearAggregateBatchPublished", 2, { batch: "0" }),
    ];
    expect(unpublishedBatches(events, 1, 40)).toEqual([0, 2]);
    expect(unpublishedBatches(events, 2, 16)).toEqual([]);
    expect([1, 16, 17, 32, 33].map(decryptionBatchCount)).toEqual([1, 1, 2, 2, 3]);
  });
});

describe("readHandles", () => {
  it("reads the aggregate in pages of HANDLE_PAGE words, in word order", async () => {
    const calls: [number, number][] = [];
    const aggregator = {
      aggregateHandles: (_task: bigint, _round: number, from: number, count: number) => {
        calls.push([from, count]);
        return Promise.resolve(Array.from({ length: count }, (_, i) => `h${from + i}`));
      },
    } as unknown as Parameters<typeof readHandles>[0];
    const handles = await readHandles(aggregator, 1n, 1, 2 * HANDLE_PAGE + 3);
    expect(calls).toEqual([
      [0, HANDLE_PAGE],
      [HANDLE_PAGE, HANDLE_PAGE],
      [2 * HANDLE_PAGE, 3],
    ]);
    expect(handles).toEqual(Array.from({ length: 2 * HANDLE_PAGE + 3 }, (_, i) => `h${i}`));
    calls.length = 0;
    expect(await readHandles(aggregator, 1n, 1, 0)).toEqual([]);
    expect(calls).toEqual([]);
  });
});

const revealedRound = (overrides: Partial<RoundSnapshot> = {}): RoundSnapshot => ({
  round: 1,
  state: "Revealed",
  openedAt: 1000,
  deadline: 4600,
  eligible: 3,
  completed: 3,
  chunksAtQuorum: 1,
  publishedBatches: 0,
  globalModelHash: "0x" + "22".repeat(32),
  contributors: [3],
  ...overrides,
});

describe("aggregateDownload", () => {
  it("names the file after task and round and records origin, codec, lane sums and the average", () => {
    const spec = { kind: "logreg" as const, inputShape: [2], numClasses: 2, seed: 1 };
    const layout = layoutOf(
      { valueBits: 8, laneBits: 12, wordsPerChunk: 2, paramCount: 6, clip: 0.5, sampleCap: 0, weightFloor: 1 },
      4,
    );
    const task = {
      id: 7n,
      policy: 1,
      modelHash: "0x" + "11".repeat(32),
      modelURI: specToUri(spec),
      layout,
      roundInfos: [revealedRound()],
    } as TaskSnapshot;
    const download = aggregateDownload({ chainId: 31337, aggregator: "0xAgg" }, task, {
      round: 1,
      words: [5n, 6n],
      values: Float64Array.from([0.25, -0.5]),
    });
    expect(download.filename).toBe("flufhe-task7-round1.json");
    expect(download.json()).toEqual({
      format: "flufhe-aggregate/1",
      chainId: 31337,
      aggregator: "0xAgg",
      taskId: "7",
      round: 1,
      policy: "Public",
      modelHash: task.modelHash,
      modelURI: task.modelURI,
      spec,
      globalModelHash: "0x" + "22".repeat(32),
      codec: { valueBits: 8, laneBits: 12, wordsPerChunk: 2, paramCount: 6, clip: 0.5, sampleCap: 0, weightFloor: 1 },
      contributors: [3],
      laneSums: ["5", "6"],
      averagedDelta: [0.25, -0.5],
    });
    expect(
      (
        aggregateDownload(
          { chainId: 1, aggregator: "0x" },
          { ...task, modelURI: "ipfs://x" },
          {
            round: 1,
            words: [],
            values: new Float64Array(),
          },
        ).json() as { spec: unknown }
      ).spec,
    ).toBeNull();
  });
});

describe("PublishClear", () => {
  const idle: FlowRunner = { steps: [], running: false, start: () => Promise.resolve(undefined) };

  it("offers to post the clear aggregate while batches are missing, and reports a failure", () => {
    const onPublish = vi.fn();
    render(
      <PublishClear
        info={revealedRound()}
        ready
        toPublish={[0, 1]}
        publication={{ ...idle, failure: { message: "boom", rejected: false } }}
        onPublish={onPublish}
      />,
    );
    fireEvent.click(screen.getByRole("button", { name: "Post the clear aggregate on-chain" }));
    expect(onPublish).toHaveBeenCalledOnce();
    expect(screen.getByRole("alert").textContent).toBe("boom");
  });

  it("cannot post without a wallet or with nothing left, and shows the commitment once verified", () => {
    const { rerender } = render(
      <PublishClear info={revealedRound()} ready={false} toPublish={[0]} publication={idle} onPublish={vi.fn()} />,
    );
    expect((screen.getByRole("button") as HTMLButtonElement).disabled).toBe(true);
    rerender(<PublishClear info={revealedRound()} ready toPublish={[]} publication={idle} onPublish={vi.fn()} />);
    expect((screen.getByRole("button") as HTMLButtonElement).disabled).toBe(true);
    const commitment = "0x" + "ab".repeat(32);
    rerender(
      <PublishClear
        info={revealedRound({ clearCommitment: commitment })}
        ready
        toPublish={[]}
        publication={idle}
        onPublish={vi.fn()}
      />,
    );
    expect(screen.queryByRole("button")).toBeNull();
    expect(screen.getByText(/The clear aggregate is verified on-chain/).querySelector("code")?.title).toBe(commitment);
  });
});

describe("ModelResult", () => {
  const values = Float64Array.from([0.5, -0.25, 0, 0.125, 1e-5, -0.5, 0.25, 0.1, 0.2, 0.3, 0.4, -0.4, 0.7]);

  it("summarises the decoded update and shows the first values at full precision", () => {
    render(<ModelResult values={values} title="Averaged update" download={{ filename: "x.json", json: () => ({}) }} />);
    const cell = (name: string) => screen.getByRole("rowheader", { name }).nextElementSibling as HTMLElement;
    expect(cell("Parameters").textContent).toBe("13");
    expect(Number(cell("Minimum").dataset.value)).toBe(-0.5);
    expect(Number(cell("Maximum").dataset.value)).toBe(0.7);
    expect(cell("Exact zeros").textContent).toBe("1");
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(Number(cell("Mean").dataset.value)).toBeCloseTo(mean, 12);
    expect(screen.getAllByTestId(/^value-/)).toHaveLength(12);
    expect(screen.getByTestId("value-4").dataset.value).toBe("0.00001");
    expect(screen.getByRole("img").getAttribute("aria-label")).toMatch(
      /^Histogram of 13 values in 40 bins from -0.5 to 0.7/,
    );
  });

  it("downloads the JSON it is given", async () => {
    const createObjectURL = vi.fn((_blob: Blob) => "blob:result");
    Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() });
    const clicks: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push(this.download);
    });
    render(
      <ModelResult
        values={values}
        title="t"
        download={{ filename: "flufhe-task1-round1.json", json: () => ({ round: 1, v: [1, 2] }) }}
      />,
    );
    fireEvent.click(screen.getByRole("button", { name: "Download as JSON" }));
    expect(clicks).toEqual(["flufhe-task1-round1.json"]);
    expect(JSON.parse(await createObjectURL.mock.calls[0][0].text())).toEqual({ round: 1, v: [1, 2] });
    click.mockRestore();
  });
});
