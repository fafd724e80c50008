"use client";

import { useState, type ReactNode } from "react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { WagmiProvider } from "wagmi";
import type { Deployment } from "../deployment";
import { appRpcUrl, readProvider } from "../chain";
import { appChain, walletConfig } from "../wallet/config";
import { AppChainProvider, makeAppChain } from "./appChain";
import { ChainHeadProvider } from "./chainHead";

/** Origin of the page; a placeholder during server rendering (nothing reads the chain there). */
const pageOrigin = () => (typeof window === "undefined" ? "http://localhost" : window.location.origin);

/** wagmi, react-query and the chain context, created once per page load from the server's deployment. */
export function Providers({ deployment, children }: { deployment: Deployment; children: ReactNode }) {
  const [{ queryClient, app, wagmi }] = useState(() => {
    const rpcUrl = appRpcUrl(pageOrigin());
    const { chainId } = deployment;
    return {
      queryClient: new QueryClient({
        defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false, staleTime: Infinity } },
      }),
      app: makeAppChain(deployment, rpcUrl, readProvider(rpcUrl, chainId)),
      wagmi: walletConfig(appChain(chainId, rpcUrl)),
    };
  });
  return (
    <WagmiProvider config={wagmi}>
      <QueryClientProvider client={queryClient}>
        <AppChainProvider value={app}>
          <ChainHeadProvider provider={app.provider}>{children}</ChainHeadProvider>
        </AppChainProvider>
      </QueryClientProvider>
    </WagmiProvider>
  );
}
