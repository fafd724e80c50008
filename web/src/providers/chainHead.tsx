"use client";

import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import type { JsonRpcProvider } from "ethers";

/** The latest block: number and timestamp, polled once a second while the page is visible. */
export interface ChainHead {
  number: number;
  timestamp: number;
}

const ChainHeadContext = createContext<ChainHead | null>(null);
const ChainErrorContext = createContext<string | null>(null);

export function ChainHeadProvider({ provider, children }: { provider: JsonRpcProvider; children: ReactNode }) {
  const [head, setHead] = useState<ChainHead | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      if (!document.hidden) {
        try {
          const block = await provider.getBlock("latest");
          if (!stopped && block) {
            setHead((h) =>
              h?.number === block.number ? h : { number: block.number, timestamp: Number(block.timestamp) },
            );
            setError(null);
          }
        } catch (e) {
          if (!stopped) setError(`The chain node does not answer: ${(e as Error).message.split("\n")[0]}`);
        }
      }
      if (!stopped) timer = setTimeout(() => void poll(), 1000);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [provider]);
  return (
    <ChainErrorContext.Provider value={error}>
      <ChainHeadContext.Provider value={head}>{children}</ChainHeadContext.Provider>
    </ChainErrorContext.Provider>
  );
}

/** The latest block (null until the first answer). Data hooks key their queries on its number. */
export function useChainHead(): ChainHead | null {
  return useContext(ChainHeadContext);
}

export function useChainError(): string | null {
  return useContext(ChainErrorContext);
}

/** Chain time now: never behind the latest block's timestamp (a devnet may run ahead of the wall clock). */
export function useChainNow(): number {
  const head = useChainHead();
  const [now, setNow] = useState(() => Math.floor(Date.now() / 1000));
  useEffect(() => {
    const timer = setInterval(() => setNow(Math.floor(Date.now() / 1000)), 1000);
    return () => clearInterval(timer);
  }, []);
  return Math.max(now, head?.timestamp ?? 0);
}
