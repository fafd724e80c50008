"use client";

import { createContext, useContext, type ReactNode } from "react";
import type { JsonRpcProvider } from "ethers";
import type { Deployment } from "../deployment";
import { aggregatorAt, type FLuFHEAggregator } from "../chain";

/** What every page reads the chain through. */
export interface AppChain {
  deployment: Deployment;
  provider: JsonRpcProvider;
  aggregator: FLuFHEAggregator;
  /** The app's JSON-RPC URL (also offered to wallets that do not know the chain yet). */
  rpcUrl: string;
}

const AppChainContext = createContext<AppChain | null>(null);

export function AppChainProvider({ value, children }: { value: AppChain; children: ReactNode }) {
  return <AppChainContext.Provider value={value}>{children}</AppChainContext.Provider>;
}

export function useAppChain(): AppChain {
  const value = useContext(AppChainContext);
  if (!value) throw new Error("useAppChain outside AppChainProvider");
  return value;
}

export function makeAppChain(deployment: Deployment, rpcUrl: string, provider: JsonRpcProvider): AppChain {
  return { deployment, provider, rpcUrl, aggregator: aggregatorAt(deployment.aggregator, provider) };
}
