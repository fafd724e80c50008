// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, render, renderHook, screen, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { makeError, type CallExceptionTransaction } from "ethers";
import { aggregatorInterface, type TaskSnapshot } from "../../web/src/chain";
import { useChainQuery } from "../../web/src/hooks/useChainQuery";
import type { ChainHead } from "../../web/src/providers/chainHead";
import { WithTask } from "../../web/src/views/WithTask";

// The block clock is driven by the test: a devnet mines every 100 ms, so the page sees a new block on every poll.
const clock = vi.hoisted(() => ({ head: null as ChainHead | null }));
vi.mock("../../web/src/providers/chainHead", () => ({ useChainHead: () => clock.head }));
let read: () => Promise<TaskSnapshot> = () => new Promise(() => {});
vi.mock("../../web/src/providers/appChain", () => ({
  useAppChain: () => ({ deployment: { aggregator: "0xagg" }, aggregator: { interface: aggregatorInterface } }),
}));
vi.mock("../../web/src/chain", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../web/src/chain")>()),
  loadTask: () => read(),
}));

afterEach(cleanup);

/** The app's query defaults (Providers.tsx): one retry, a second later. */
function wrapper() {
  const client = new QueryClient({
    defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false, staleTime: Infinity } },
  });
  return ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={client}>{children}</QueryClientProvider>
  );
}

/** What the chain answers for getTask(99) when there is no task 99 (a revert, as ethers reports it). */
const unknownTask = () =>
  aggregatorInterface.makeError(aggregatorInterface.encodeErrorResult("UnknownTask", [99n]), {
    to: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    data: "0x",
  } as CallExceptionTransaction);

const nextBlock = (n: number) => (clock.head = { number: n, timestamp: 1000 + n });

describe("useChainQuery", () => {
  it("keeps the contract's refusal on screen while new blocks arrive, and shows the value once there is one", async () => {
    nextBlock(1);
    const answers: (() => Promise<string>)[] = [() => Promise.reject(unknownTask())];
    const { result, rerender } = renderHook(() => useChainQuery(["task", "99"], () => answers[0]()), {
      wrapper: wrapper(),
    });
    // No retry for a revert: the refusal is there at once, not after the retry delay.
    await waitFor(() => expect(result.current.error).toBeDefined(), { timeout: 300 });
    // Blocks keep coming faster than any retry delay; the next read has not answered yet.
    answers[0] = () => new Promise(() => {});
    for (let n = 2; n <= 5; n++) {
      nextBlock(n);
      rerender();
      expect(result.current.error).toBeDefined();
      expect(result.current.data).toBeUndefined();
    }
    // The task was created meanwhile: the next block's read finds it.
    answers[0] = async () => "task 99";
    nextBlock(6);
    rerender();
    await waitFor(() => expect(result.current.data).toBe("task 99"));
    expect(result.current.error).toBeUndefined();
  });

  it("still reports a failed read (no revert data: the node, the network) after its retry", async () => {
    nextBlock(1);
    // What ethers makes of a node error answering an eth_call: a CALL_EXCEPTION without revert data.
    const noData = makeError("missing revert data", "CALL_EXCEPTION", { data: null } as never);
    for (const failure of [new Error("connection refused"), noData]) {
      let reads = 0;
      const { result } = renderHook(
        () =>
          useChainQuery([String(failure)], () => {
            reads++;
            return Promise.reject(failure) as Promise<number>;
          }),
        { wrapper: wrapper() },
      );
      expect(result.current.isPending).toBe(true);
      await waitFor(() => expect(result.current.error).toBe(failure), { timeout: 3000 });
      expect(reads).toBe(2);
    }
  });
});

describe("an unknown task id", () => {
  it("says there is no such task within a moment, on a chain that mines a block on every poll", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      nextBlock(1);
      read = () => Promise.reject(unknownTask());
      const Page = () => <WithTask id={99n}>{() => "never"}</WithTask>;
      const Wrapper = wrapper();
      const { rerender } = render(
        <Wrapper>
          <Page />
        </Wrapper>,
      );
      for (let n = 2; n <= 8; n++) {
        await act(async () => {
          await vi.advanceTimersByTimeAsync(500);
          nextBlock(n);
        });
        rerender(
          <Wrapper>
            <Page />
          </Wrapper>,
        );
      }
      expect(screen.getByRole("alert").textContent).toMatch(
        /^Could not read task #99: there is no task with this id on this aggregator/,
      );
    } finally {
      vi.useRealTimers();
    }
  });
});
