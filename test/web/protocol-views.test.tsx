// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/react";
import { AbiCoder, id, zeroPadValue, toBeHex, type Log, type TransactionReceipt } from "ethers";
import { layoutOf } from "../../client/src/codec/layout";
import { roundActions } from "../../web/src/actions";
import { aggregatorInterface, type RoundSnapshot, type TaskSnapshot } from "../../web/src/chain";
import { ChunkBars } from "../../web/src/components/charts";
import { sumCostsByRound as costsByRound, decodeTaskLogs, taskTopic, txCost } from "../../client/src/chain/events";
import { describeEvent } from "../../web/src/events";
import { RoundState } from "../../client/src/protocol/vocabulary";
import { histogram, summarize } from "../../web/src/stats";

afterEach(cleanup);

const OWNER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const P1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const P2 = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const OUTSIDER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";

const round = (overrides: Partial<RoundSnapshot>): RoundSnapshot => ({
  round: 1,
  state: "Open",
  openedAt: 1000,
  deadline: 4600,
  eligible: 2,
  completed: 0,
  chunksAtQuorum: 0,
  publishedBatches: 0,
  globalModelHash: "0x" + "11".repeat(32),
  contributors: [0, 0, 0],
  ...overrides,
});

const task = (rounds: RoundSnapshot[], overrides: Partial<TaskSnapshot> = {}): TaskSnapshot => ({
  id: 1n,
  owner: OWNER,
  modelHash: "0x" + "11".repeat(32),
  modelURI: "test://",
  layout: layoutOf(
    { valueBits: 8, laneBits: 12, wordsPerChunk: 8, paramCount: 200, clip: 0.5, sampleCap: 0, weightFloor: 1 },
    4,
  ),
  minCohort: 2,
  maxCohort: 4,
  rounds: 2,
  roundDuration: 3600,
  policy: 0,
  currentRound: rounds.length,
  participantsNextRound: 2,
  participants: [
    { account: P1, history: [{ joinRound: 1, leaveRound: 0 }] },
    { account: P2, history: [{ joinRound: 2, leaveRound: 0 }] },
  ],
  roundInfos: rounds,
  ...overrides,
});

describe("roundActions (mirrors the contract's rules)", () => {
  it("lets only the owner open round 1, and only with a large enough cohort", () => {
    expect(roundActions(task([]), OWNER, 0)).toEqual([{ kind: "open", round: 1, enabled: true, reason: undefined }]);
    expect(roundActions(task([]), P1, 0)[0]).toMatchObject({
      enabled: false,
      reason: "only the task owner opens rounds",
    });
    expect(roundActions(task([], { participantsNextRound: 1 }), OWNER, 0)[0].reason).toBe(
      "1 participant(s) listed, the minimum cohort is 2",
    );
  });

  it("closes early only for the owner with quorum; anyone after the deadline or when all are done", () => {
    const quorum = task([round({ chunksAtQuorum: 3 })]);
    const [open, close] = roundActions(quorum, OWNER, 2000);
    expect(open).toMatchObject({ kind: "open", enabled: false });
    expect(close).toMatchObject({ kind: "close", round: 1, enabled: true });
    expect(roundActions(quorum, P1, 2000)[1]).toMatchObject({ enabled: false });
    expect(roundActions(quorum, P1, 4600)[1]).toMatchObject({ enabled: true });
    expect(roundActions(task([round({ completed: 2 })]), P1, 2000)[1]).toMatchObject({ enabled: true });
    expect(roundActions(task([round({ chunksAtQuorum: 1 })]), OWNER, 2000)[1].reason).toMatch(/1 of 3 chunks/);
  });

  it("reveals for the owner or a participant of that round, not for others", () => {
    const closed = task([round({ state: "Closed", chunksAtQuorum: 3 })]);
    const reveal = (who?: string) => roundActions(closed, who, 0).find((a) => a.kind === "reveal");
    expect(reveal(OWNER)?.enabled).toBe(true);
    expect(reveal(P1)?.enabled).toBe(true);
    expect(reveal(P2)?.enabled).toBe(false); // joins from round 2
    expect(reveal(OUTSIDER)?.reason).toBe("only the owner or a participant of the round");
    expect(reveal(undefined)?.reason).toBe("connect a wallet");
  });

  it("opens the next round after a failed one, and offers nothing once every round is used", () => {
    expect(roundActions(task([round({ state: "Failed" })]), OWNER, 0)[0]).toMatchObject({ round: 2, enabled: true });
    const done = task([round({ state: "Revealed" }), round({ round: 2, state: "Revealed" })]);
    expect(roundActions(done, OWNER, 0)).toEqual([]);
  });
});

describe("task events", () => {
  const address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  const log = (name: string, args: unknown[], tx: string, index: number): Log => {
    const { data, topics } = aggregatorInterface.encodeEventLog(name, args);
    return { address, data, topics, transactionHash: tx, index, blockNumber: 5 } as unknown as Log;
  };
  const tx = (n: number) => "0x" + String(n).padStart(64, "0");

  it("filters on the task id topic", () => {
    expect(taskTopic(258n)).toBe(zeroPadValue(toBeHex(258n), 32));
  });

  it("decodes logs, attributes transactions to rounds and sums gas and HCU per round", () => {
    const logs = [
      log("TaskCreated", [1n, OWNER, id("m"), 200, 20, 3], tx(1), 0),
      log("ParticipantAdded", [1n, P1, 1], tx(1), 1),
      log("RoundOpened", [1n, 1, id("m"), 4600n, 2], tx(2), 0),
      log("ChunkSubmitted", [1n, 1, 0, P1, 1], tx(3), 0),
      log("ChunkSubmitted", [1n, 1, 1, P1, 1], tx(4), 0),
      log("ParticipantCompleted", [1n, 1, P1], tx(4), 1),
      {
        address,
        data: "0x",
        topics: [id("Unrelated()")],
        transactionHash: tx(9),
        index: 0,
        blockNumber: 5,
      } as unknown as Log,
    ];
    const events = decodeTaskLogs(logs);
    expect(events.map((e) => `${e.name}@${e.round}`)).toEqual([
      "TaskCreated@0",
      "ParticipantAdded@0",
      "RoundOpened@1",
      "ChunkSubmitted@1",
      "ChunkSubmitted@1",
      "ParticipantCompleted@1",
    ]);
    expect(describeEvent(events[3], (a) => a.slice(0, 6))).toBe("Round 1: 0x7099 submitted chunk 1 (1 contributor(s))");
    const receipt = (hash: string, gas: number) => ({ hash, gasUsed: BigInt(gas) }) as unknown as TransactionReceipt;
    const hcu = (r: TransactionReceipt) => (r.hash === tx(3) || r.hash === tx(4) ? 1_000_000 : 0);
    const costs = [receipt(tx(1), 500), receipt(tx(2), 100), receipt(tx(3), 2000), receipt(tx(4), 3000)].map((r) =>
      txCost(r, events, hcu),
    );
    const byRound = costsByRound(costs);
    expect(byRound.get(0)).toEqual({ txs: 1, gas: 500, hcu: 0, submissions: 0, submissionGas: 0, submissionHcu: 0 });
    expect(byRound.get(1)).toEqual({
      txs: 3,
      gas: 5100,
      hcu: 2_000_000,
      submissions: 2,
      submissionGas: 5000,
      submissionHcu: 2_000_000,
    });
  });

  it("says whether a round closed with quorum from the RoundState the event carries", () => {
    const [closed, failed] = decodeTaskLogs([
      log("RoundClosed", [1n, 1, RoundState.Closed, 3], tx(5), 0),
      log("RoundClosed", [1n, 2, RoundState.Failed, 1], tx(6), 0),
    ]);
    expect(describeEvent(closed, (a) => a)).toBe("Round 1 closed: quorum reached");
    expect(describeEvent(failed, (a) => a)).toBe("Round 2 closed: failed (no quorum)");
  });

  it("counts chunks, words and batches from 1, as people count (the chain's index 0 is the first)", () => {
    const [granted, made, batch] = decodeTaskLogs([
      log("AggregateAccessGranted", [1n, 1, P1, 0, 400], tx(7), 0),
      log("AggregateMadePublic", [1n, 2, 400, 23], tx(8), 0),
      log("ClearAggregateBatchPublished", [1n, 2, 0, id("clear")], tx(9), 0),
    ]);
    expect(describeEvent(granted, (a) => a.slice(0, 6))).toBe("Round 1: 0x7099 granted words 1–400");
    expect(describeEvent(made, (a) => a)).toBe("Round 2: words 401–423 made public");
    expect(describeEvent(batch, (a) => a)).toBe("Round 2: clear batch 1 verified on-chain");
  });

  it("keeps the ABI encoding the contract emits (sanity of the fixture)", () => {
    const { data } = aggregatorInterface.encodeEventLog("ChunkSubmitted", [1n, 1, 2, P1, 3]);
    expect(AbiCoder.defaultAbiCoder().decode(["uint32", "uint16"], data).map(Number)).toEqual([2, 3]);
  });
});

describe("charts and statistics", () => {
  it("marks chunks below the minimum cohort and says so to screen readers", () => {
    const { container } = render(<ChunkBars contributors={[3, 1, 2, 0]} minCohort={2} max={3} />);
    expect(screen.getByRole("img").getAttribute("aria-label")).toBe(
      "Contributors per chunk for 4 chunks: minimum 0, maximum 3; 2 chunk(s) below the minimum cohort of 2.",
    );
    expect(container.querySelectorAll("rect.chart-bar.below")).toHaveLength(2);
    expect(container.querySelectorAll("rect")).toHaveLength(4);
    // Chunks count from 1 on screen, as on the participant's page.
    expect([...container.querySelectorAll("rect title")].map((t) => t.textContent)[0]).toBe(
      "chunk 1: 3 contributor(s)",
    );
    expect(screen.getByText("chunk (1 – 4)")).toBeTruthy();
  });

  it("summarises and bins values, the maximum in the last bin", () => {
    const s = summarize([1, -3, 0, 2]);
    expect(s).toMatchObject({ count: 4, mean: 0, min: -3, max: 2, maxAbs: 3, zeros: 1 });
    expect(s.l2).toBeCloseTo(Math.sqrt(14), 12);
    expect(s.std).toBeCloseTo(Math.sqrt(14 / 4), 12);
    const h = histogram([0, 0.5, 1, 1, 2], 4);
    expect(h.edges).toEqual([0, 0.5, 1, 1.5, 2]);
    expect(h.counts).toEqual([1, 1, 2, 1]);
    expect(histogram([5, 5], 3).counts).toEqual([2, 0, 0]);
    expect(() => histogram([1], 0)).toThrow(RangeError);
  });
});
