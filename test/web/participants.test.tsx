// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import type { TaskEvent } from "../../client/src/chain/events";
import { layoutOf } from "../../client/src/codec/layout";
import { aggregatorInterface, type RoundSnapshot, type TaskSnapshot } from "../../web/src/chain";
import { TxStatus } from "../../web/src/components/TxStatus";
import { HINTS, describeError } from "../../web/src/errors";
import { checkAdditions, describeProgress, participantRows, roundProgress } from "../../web/src/participants";
import { AddParticipants, ParticipantTable } from "../../web/src/views/Participants";

afterEach(cleanup);

const OWNER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const P1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const P2 = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const P3 = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const P4 = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";

const round = (n: number, state: RoundSnapshot["state"]): RoundSnapshot => ({
  round: n,
  state,
  openedAt: 0,
  deadline: 0,
  eligible: 3,
  completed: 0,
  chunksAtQuorum: 0,
  publishedBatches: 0,
  globalModelHash: "0x" + "11".repeat(32),
  contributors: [0, 0, 0],
});

// Round 2 open; P1 from round 1 on, P2 rounds 1-2 (removed from round 3), P3 joined at round 2, P4 withdrawn before taking part.
const task = (overrides: Partial<TaskSnapshot> = {}): TaskSnapshot => ({
  id: 1n,
  owner: OWNER,
  modelHash: "0x" + "11".repeat(32),
  modelURI: "test://",
  layout: layoutOf(
    { valueBits: 8, laneBits: 12, wordsPerChunk: 8, paramCount: 200, clip: 0.5, sampleCap: 0, weightFloor: 1 },
    4,
  ),
  minCohort: 2,
  maxCohort: 3,
  rounds: 3,
  roundDuration: 3600,
  policy: 0,
  currentRound: 2,
  participantsNextRound: 2,
  participants: [
    { account: P1, history: [{ joinRound: 1, leaveRound: 0 }] },
    { account: P2, history: [{ joinRound: 1, leaveRound: 3 }] },
    { account: P3, history: [{ joinRound: 2, leaveRound: 0 }] },
    { account: P4, history: [] },
  ],
  roundInfos: [round(1, "Revealed"), round(2, "Open")],
  ...overrides,
});

let logIndex = 0;
const event = (name: string, round: number, args: Record<string, string>): TaskEvent => ({
  name,
  round,
  args,
  blockNumber: 1,
  txHash: "0x" + "00".repeat(32),
  logIndex: logIndex++,
});

const events = [
  event("ChunkSubmitted", 1, { participant: P3, chunk: "0" }), // another round: ignored
  event("ChunkSubmitted", 2, { participant: P1, chunk: "2" }),
  event("ChunkSubmitted", 2, { participant: P1.toLowerCase(), chunk: "0" }),
  event("ChunkSubmitted", 2, { participant: P3, chunk: "0" }),
  event("ChunkSubmitted", 2, { participant: P3, chunk: "1" }),
  event("ChunkSubmitted", 2, { participant: P3, chunk: "2" }),
  event("ParticipantCompleted", 2, { participant: P3 }),
];

describe("participants (pure)", () => {
  it("reads a participant's chunks in a round from the events", () => {
    expect(roundProgress(events, 2, P1, 3)).toEqual({ chunks: [0, 2], of: 3, completed: false });
    expect(roundProgress(events, 2, P3, 3)).toEqual({ chunks: [0, 1, 2], of: 3, completed: true });
    expect(roundProgress(events, 2, P2, 3)).toEqual({ chunks: [], of: 3, completed: false });
    expect(describeProgress(roundProgress(events, 2, P1, 3))).toBe("2 of 3 chunks (chunks 1, 3)");
    expect(describeProgress(roundProgress(events, 2, P3, 3))).toBe("all 3 chunks submitted");
    expect(describeProgress(roundProgress(events, 2, P2, 3))).toBe("nothing submitted yet");
  });

  it("gives each account its history, this round's progress, the next round, and removability for the owner", () => {
    const rows = participantRows(task(), events, OWNER);
    expect(rows.map((r) => [r.history, r.current?.chunks.length, r.next, r.removable])).toEqual([
      ["rounds 1 on", 2, true, true],
      ["rounds 1–2", 0, false, false],
      ["rounds 2 on", 3, true, true],
      ["removed before taking part", undefined, false, false],
    ]);
    expect(participantRows(task(), events, P1).some((r) => r.removable)).toBe(false);
    const last = participantRows(
      task({ currentRound: 3, roundInfos: [...task().roundInfos, round(3, "Open")] }),
      [],
      OWNER,
    );
    expect(last.map((r) => [r.next, r.removable])).toEqual([
      [undefined, false],
      [undefined, false],
      [undefined, false],
      [undefined, false],
    ]);
  });

  it("checks additions against the next round's list, the maximum cohort and the rounds left", () => {
    expect(checkAdditions(task(), `${P4}`)).toEqual({ addresses: [P4], errors: [] });
    expect(checkAdditions(task(), `${P2.toLowerCase()}`).errors).toEqual([]); // P2 may come back at round 3
    expect(checkAdditions(task(), `${P1}`).errors).toEqual([`${P1} is already listed for round 3`]);
    expect(checkAdditions(task(), `${P2}, ${P4}`).errors).toEqual([
      "4 participants would be listed for round 3, more than the maximum cohort of 3",
    ]);
    expect(checkAdditions(task(), "0x1234").errors).toEqual([
      '"0x1234" is not an address: an address is 0x followed by 40 hex digits, this one has 4',
    ]);
    expect(checkAdditions(task({ currentRound: 3 }), P4).errors[0]).toMatch(/used all its rounds/);
  });
});

describe("Participants views", () => {
  it("lists history and progress, and removes from the next round on", () => {
    const onRemove = vi.fn();
    render(
      <ParticipantTable
        task={task()}
        rows={participantRows(task(), events, OWNER)}
        viewer={P1}
        onRemove={onRemove}
        busy={false}
      />,
    );
    expect(screen.getByTestId(`history-${P2}`).textContent).toBe("rounds 1–2");
    expect(screen.getByTestId(`progress-${P3}`).textContent).toBe("all 3 chunks submitted");
    expect(screen.getByTestId(`progress-${P4}`).textContent).toBe("not in this round");
    expect(screen.getAllByRole("columnheader").map((h) => h.textContent)).toEqual([
      "Account",
      "Membership",
      "Round 2",
      "Round 3",
      "Action",
    ]);
    const remove = screen.getAllByRole("button", { name: /^Remove/ });
    expect(remove.map((b) => b.getAttribute("aria-label"))).toEqual([
      `Remove ${P1} from round 3 on`,
      `Remove ${P3} from round 3 on`,
    ]);
    // Removal asks first, with the confirming button focused; Cancel keeps the participant.
    fireEvent.click(remove[1]);
    expect(onRemove).not.toHaveBeenCalled();
    const confirm = screen.getByRole("button", { name: `Yes, remove ${P3} from round 3 on` });
    expect(document.activeElement).toBe(confirm);
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("button", { name: /^Yes, remove/ })).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: `Remove ${P3} from round 3 on` }));
    fireEvent.click(screen.getByRole("button", { name: `Remove ${P3} from round 3 on` }));
    fireEvent.click(screen.getByRole("button", { name: `Yes, remove ${P3} from round 3 on` }));
    expect(onRemove).toHaveBeenCalledWith(P3);
    expect(screen.getByText("(you)", { exact: false })).toBeTruthy();
    cleanup();
    render(
      <ParticipantTable task={task()} rows={participantRows(task(), [], OWNER)} busy={false} eventsRead={false} />,
    );
    expect(screen.getByTestId(`progress-${P1}`).textContent).toBe("reading the task’s events…");
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("adds pasted addresses, refusing what the contract would refuse before anything is sent", async () => {
    const run = vi.fn().mockResolvedValue({});
    render(<AddParticipants task={task()} tx={{ run, busy: false }} enabled />);
    const box = screen.getByLabelText("Addresses to add");
    const button = screen.getByRole("button", { name: "Add participants" }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    fireEvent.change(box, { target: { value: P1 } });
    expect(screen.getByText(`${P1} is already listed for round 3`)).toBeTruthy();
    expect(button.disabled).toBe(true);
    fireEvent.change(box, { target: { value: P4.toLowerCase() } });
    expect(button.disabled).toBe(false);
    fireEvent.click(button);
    expect(run).toHaveBeenCalledTimes(1);
    expect(run.mock.calls[0][0]).toBe("Add 1 participant(s)");
    expect(run.mock.calls[0].slice(1)).toEqual([{ fn: "addParticipants", taskId: 1n }, [1n, [P4]]]);
  });

  it("explains the contract's refusal of a membership change", () => {
    const data = aggregatorInterface.encodeErrorResult("NotParticipant", [1n, P2]);
    render(
      <TxStatus
        state={{ phase: "failed", label: "Remove 0x3C44…93BC", failure: describeError({ data }, aggregatorInterface) }}
      />,
    );
    expect(screen.getByRole("alert").textContent).toBe(
      `Remove 0x3C44…93BC failed: ${HINTS.NotParticipant} [NotParticipant(1, ${P2})]`,
    );
  });

  it("lets a finished transaction's line be dismissed; a confirmation fades", () => {
    const onDismiss = vi.fn();
    const confirmed = { phase: "confirmed", label: "Open round 2", hash: "0xab", block: 7, gasUsed: 21000n } as const;
    render(<TxStatus state={confirmed} onDismiss={onDismiss} />);
    const line = screen.getByRole("status");
    expect(line.textContent).toBe("Open round 2: confirmed in block 7 (21,000 gas).×");
    expect(line.className).toContain("fades");
    fireEvent.click(screen.getByRole("button", { name: "Dismiss this message" }));
    expect(onDismiss).toHaveBeenCalledTimes(1);
    cleanup();
    render(<TxStatus state={{ phase: "wallet", label: "Open round 2" }} onDismiss={onDismiss} />);
    expect(screen.queryByRole("button")).toBeNull();
  });
});
