// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { layoutOf } from "../../client/src/codec/layout";
import { specToUri, type ModelSpec } from "../../client/src/protocol/modelSpec";
import { describePrivacy, privacyFromOptions } from "../../client/src/protocol/privacy";
import { Policy } from "../../client/src/protocol/vocabulary";
import type { RoundSnapshot, TaskSnapshot, TaskSummary } from "../../web/src/chain";
import { Term } from "../../web/src/components/Term";
import type { GlobalModelState } from "../../web/src/hooks/useGlobalModel";
import { GLOSSARY, TERM_IDS } from "../../web/src/glossary";
import { taskAbout, taskTitle } from "../../web/src/modelSpec";
import { failureForecast, failureReason, quorumRisk, taskStatus } from "../../web/src/roundOutcome";
import { Glossary } from "../../web/src/views/Glossary";
import { RoundActions } from "../../web/src/views/RoundActions";
import { RoundCard } from "../../web/src/views/RoundTimeline";
import { TaskOverview } from "../../web/src/views/TaskDashboard";
import { TaskTable, filterTasks } from "../../web/src/views/TaskList";

// The owner's wallet, connected; transactions are not sent.
const OWNER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const P1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
vi.mock("wagmi", () => ({ useAccount: () => ({ address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" }) }));
vi.mock("../../web/src/hooks/useWallet", () => ({ useWallet: () => ({ status: "ready" }) }));
vi.mock("../../web/src/hooks/useTx", () => ({
  useTx: () => ({ state: { phase: "idle" }, busy: false, run: vi.fn(), reset: vi.fn() }),
}));

afterEach(cleanup);

const SPEC: ModelSpec = {
  name: "Breast cancer screening",
  description: "Three hospitals, 30 features each.",
  kind: "logreg",
  inputShape: [30],
  numClasses: 2,
  seed: 1,
};

const round = (overrides: Partial<RoundSnapshot> = {}): RoundSnapshot => ({
  round: 1,
  state: "Open",
  openedAt: 0,
  deadline: 1000,
  eligible: 3,
  completed: 1,
  chunksAtQuorum: 2,
  publishedBatches: 0,
  globalModelHash: "0x" + "a0".repeat(32),
  contributors: [3, 3, 2],
  ...overrides,
});

const task = (rounds: RoundSnapshot[], overrides: Partial<TaskSnapshot> = {}): TaskSnapshot => ({
  id: 4n,
  owner: OWNER,
  modelHash: "0x" + "a0".repeat(32),
  modelURI: specToUri(SPEC),
  layout: layoutOf(
    { valueBits: 8, laneBits: 12, wordsPerChunk: 2, paramCount: 62, clip: 0.5, sampleCap: 0, weightFloor: 1 },
    4,
  ),
  minCohort: 3,
  maxCohort: 4,
  rounds: 2,
  roundDuration: 3600,
  policy: Policy.Participants,
  currentRound: rounds.length,
  participantsNextRound: 3,
  participants: [],
  roundInfos: rounds,
  ...overrides,
});

describe("the glossary: one line per protocol word, shown where the word appears", () => {
  it("explains every word the issue names in one line", () => {
    for (const id of ["lanes", "words", "chunk", "HCU", "K", "valueBits", "laneBits", "sampleCap", "weightFloor"]) {
      expect(TERM_IDS).toContain(id);
    }
    for (const id of ["encoding", "errorFeedback", "lateJoiner", "nodeModelFile", "epsilon", "delta"]) {
      expect(TERM_IDS).toContain(id);
    }
    for (const id of TERM_IDS) {
      const { short } = GLOSSARY[id];
      expect(short).not.toMatch(/\n/);
      expect(short.length).toBeLessThan(200);
      expect(short).toMatch(/\.$/);
    }
  });

  it("shows a term's line on focus and hover, hides it on Escape, and links to its entry", () => {
    render(
      <p>
        Sent in <Term id="chunk">chunks</Term>.
      </p>,
    );
    const link = screen.getByRole("link", { name: "chunks" });
    expect(link.getAttribute("href")).toBe("/glossary#chunk");
    expect(screen.queryByRole("tooltip")).toBeNull();
    fireEvent.focus(link);
    expect(screen.getByRole("tooltip").textContent).toBe(GLOSSARY.chunk.short);
    expect(link.getAttribute("aria-describedby")).toBe(screen.getByRole("tooltip").id);
    fireEvent.keyDown(link, { key: "Escape" });
    expect(screen.queryByRole("tooltip")).toBeNull();
    fireEvent.mouseEnter(link.parentElement!);
    expect(screen.getByRole("tooltip")).toBeTruthy();
    fireEvent.mouseLeave(link.parentElement!);
    expect(screen.queryByRole("tooltip")).toBeNull();
  });

  it("lists every entry on /glossary under its anchor", () => {
    const { container } = render(<Glossary />);
    for (const id of TERM_IDS) expect(container.querySelector(`[id="${id}"] dd`)?.textContent).toBe(GLOSSARY[id].short);
  });
});

describe("a round that cannot reach K", () => {
  it("is flagged once its deadline has passed below K, with the contributors it has", () => {
    const r = round();
    expect(failureForecast(r, 3, 999)).toBeUndefined();
    expect(quorumRisk(r, 3, 400)).toBe(
      "So far 2 of 3 contributors on chunk 3: unless more participants send it within 10:00, the round fails and " +
        "its partial sums are never revealed.",
    );
    expect(failureForecast(r, 3, 1000)).toMatch(
      /^This round will fail: 2 of 3 contributors on chunk 3, and the deadline has passed, .*its partial sums will never be revealed/,
    );
    expect(failureForecast(round({ contributors: [1, 1, 1] }), 3, 2000)).toMatch(/1 of 3 contributors on every chunk/);
    expect(failureForecast(round({ contributors: [3, 3, 3] }), 3, 2000)).toBeUndefined();
  });

  it("is flagged next to the owner's Close button, and a failed round says why and what comes next", () => {
    const open = task([round()]);
    const model = { spec: SPEC, toDecrypt: [], flow: { steps: [], running: false, start: async () => undefined } };
    render(<RoundActions task={open} now={1500} next={model as unknown as GlobalModelState} />);
    expect(screen.getByTestId("failure-forecast").textContent).toMatch(
      /This round will fail: 2 of 3 contributors on chunk 3.*The next round restarts from the same model as round 1\./,
    );
    expect((screen.getByRole("button", { name: "Close round 1" }) as HTMLButtonElement).disabled).toBe(false);
    expect(
      screen.getByText(/Round 2 starts from the same model as round 1, once round 1 is closed \(it will fail\)/),
    ).toBeTruthy();
    cleanup();

    const failed = round({ state: "Failed" });
    expect(failureReason(failed, 3, 2)).toBe(
      "This round failed: when it closed, chunk 3 had 2 of 3 contributors needed (K = 3), so its partial sums are " +
        "never revealed. The next round restarts from the same model as round 1.",
    );
    render(<RoundCard task={task([failed])} round={failed} hcuMetered now={1500} />);
    expect(screen.getByTestId("round-1-failure").textContent).toBe(failureReason(failed, 3, 2));
    expect(failureReason({ ...failed, round: 2 }, 3, 2)).toMatch(/last round: the global model stays/);
  });
});

describe("the task list", () => {
  const summary = (overrides: Partial<TaskSummary>): TaskSummary => ({
    id: 1n,
    owner: OWNER,
    modelURI: specToUri(SPEC),
    paramCount: 62,
    policy: 0,
    rounds: 3,
    currentRound: 1,
    participants: 3,
    minCohort: 3,
    chunkCount: 2,
    members: [P1],
    ...overrides,
  });
  const brief = (state: RoundSnapshot["state"], chunksAtQuorum = 2) => ({
    round: 1,
    state,
    deadline: 100,
    chunksAtQuorum,
  });

  it("says each task's state: open, waiting for reveal, finished, failed round", () => {
    const phase = (o: Partial<TaskSummary>, now = 50) => taskStatus(summary(o), now).phase;
    expect(phase({ currentRound: 0 })).toBe("not started");
    expect(phase({ round: brief("Open") })).toBe("open");
    expect(taskStatus(summary({ round: brief("Open", 1) }), 200)).toEqual({
      phase: "will fail",
      detail: "round 1 of 3: deadline passed below K, it fails when closed",
    });
    expect(phase({ round: brief("Closed") })).toBe("waiting for reveal");
    expect(phase({ round: brief("Revealed") })).toBe("between rounds");
    expect(phase({ round: brief("Failed") })).toBe("failed round");
    expect(phase({ currentRound: 3, round: { ...brief("Revealed"), round: 3 } })).toBe("finished");
  });

  it("shows the task's name and description, and filters to the account's own or joined tasks", () => {
    const tasks = [
      summary({ id: 2n, owner: P1, members: [OWNER], round: brief("Closed") }),
      summary({ id: 1n, modelURI: "ipfs://x", members: [] }),
    ];
    render(<TaskTable tasks={tasks} account={OWNER} now={0} />);
    expect(screen.getByRole("link", { name: "Task #2: Breast cancer screening" }).getAttribute("href")).toBe(
      "/tasks/2",
    );
    expect(screen.getByText("Three hospitals, 30 features each.")).toBeTruthy();
    expect(screen.getByTestId("task-state-2").textContent).toBe("waiting for reveal");
    expect(screen.getByRole("link", { name: "Task #1" })).toBeTruthy();
    expect(filterTasks(tasks, "owned", OWNER).map((t) => t.id)).toEqual([1n]);
    expect(filterTasks(tasks, "joined", OWNER.toLowerCase()).map((t) => t.id)).toEqual([2n]);
    expect(filterTasks(tasks, "joined", undefined)).toHaveLength(2);
  });

  it("titles a task by its name, from the spec it committed to", () => {
    expect(taskTitle({ id: 3n, modelURI: specToUri(SPEC) })).toBe("Task #3: Breast cancer screening");
    expect(taskTitle({ id: 3n, modelURI: "ipfs://x" })).toBe("Task #3");
    expect(taskAbout({ modelURI: specToUri(SPEC) }).description).toBe(SPEC.description);
  });
});

describe("the task page's configuration", () => {
  it("states the task's differential-privacy promise from the chain, or that it makes none", () => {
    const terms = privacyFromOptions({ epsilon: 3 }, 2)!;
    render(<TaskOverview task={task([], { privacy: terms })} />);
    const said = describePrivacy(terms);
    expect(screen.getByTestId("task-privacy").textContent).toBe(said[0].toUpperCase() + said.slice(1) + ".");
    expect(screen.getByRole("link", { name: "epsilon" }).getAttribute("href")).toBe("/glossary#epsilon");
    cleanup();
    render(<TaskOverview task={task([])} />);
    expect(screen.getByTestId("task-privacy").textContent).toBe(
      "No differential privacy (only encryption protects the updates).",
    );
  });

  it("explains its protocol words where they appear", () => {
    render(<TaskOverview task={task([])} />);
    for (const name of ["encrypted words", "chunk(s)", "values", "lanes", "clip", "sample cap", "K"]) {
      expect(screen.getByRole("link", { name }).getAttribute("href")).toMatch(/^\/glossary#/);
    }
  });
});
