// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MAX_WORDS_PER_CHUNK } from "../../client/src/codec/layout";
import { PAIR_COHORT_WARNING, TASK_DEFAULTS } from "../../client/src/protocol/taskChoices";
import { CreateTask } from "../../web/src/views/CreateTask";

// The page's own logic under test; the wallet, the transaction runner, the router and the model API are stubbed.
vi.mock("next/navigation", () => ({ useRouter: () => ({ push: vi.fn() }) }));
vi.mock("../../web/src/hooks/useWallet", () => ({ useWallet: () => ({ status: "disconnected" }) }));
vi.mock("../../web/src/hooks/useTx", () => ({
  useTx: () => ({ state: { phase: "idle" }, busy: false, run: vi.fn(), reset: vi.fn() }),
}));
vi.mock("../../web/src/hooks/useModelCommitment", () => ({
  useModelCommitment: () => ({
    status: "ready",
    commitment: { paramCount: 62, modelHash: "0x" + "11".repeat(32), modelURI: "data:", spec: {} },
  }),
}));

afterEach(cleanup);

const input = (label: string) => screen.getByLabelText(label) as HTMLInputElement;
const type = (label: string, value: string) => fireEvent.change(input(label), { target: { value } });
const warnings = () => Array.from(document.querySelectorAll(".warning-text li"), (li) => li.textContent);
const errors = () => screen.queryByRole("alert")?.textContent ?? "";

describe("CreateTask", () => {
  it("starts from TASK_DEFAULTS and caps the chunk size at the contract's MAX_WORDS_PER_CHUNK", () => {
    render(<CreateTask />);
    expect(input("Minimum cohort (K)").value).toBe(String(TASK_DEFAULTS.minCohort));
    expect(input("Value bits (b)").value).toBe(String(TASK_DEFAULTS.valueBits));
    expect(input("Words per chunk").max).toBe(String(MAX_WORDS_PER_CHUNK));
    expect(screen.getByTestId("model-commitment").textContent).toMatch(/^62 parameters/);
  });

  it("shows the draft's warnings: K = 2, and too few participants listed", () => {
    render(<CreateTask />);
    expect(warnings()).toEqual(["0 participant(s) listed: round 1 cannot open until at least 3 are listed"]);
    type("Minimum cohort (K)", "2");
    expect(warnings()).toEqual([
      PAIR_COHORT_WARNING,
      "0 participant(s) listed: round 1 cannot open until at least 2 are listed",
    ]);
    expect(errors()).toBe("");
  });

  it("shows errors that block creation, such as a chunk above the cap", () => {
    render(<CreateTask />);
    type("Words per chunk", String(MAX_WORDS_PER_CHUNK + 1));
    expect(errors()).toMatch(`words per chunk must be an integer in [1, ${MAX_WORDS_PER_CHUNK}]`);
    expect((screen.getByRole("button", { name: "Create task" }) as HTMLButtonElement).disabled).toBe(true);
  });
});
