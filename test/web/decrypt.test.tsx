// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { WORDS_PER_GRANT } from "../../client/src/chain/aggregate";
import { ModelResult } from "../../web/src/components/ModelResult";
import { grantedRanges, missingRanges, unpublishedBatches } from "../../web/src/decrypt";
import type { TaskEvent } from "../../client/src/chain/events";

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
