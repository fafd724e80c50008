import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { Providers } from "../src/providers/Providers";
import { readDeployment } from "../src/server/deployment";
import { WalletBar } from "../src/views/WalletBar";
import "./globals.css";

export const metadata: Metadata = {
  title: "FLuFHE",
  description: "Federated learning with encrypted, on-chain aggregated model updates",
};

// The deployment file is read per request: a redeployed aggregator needs no rebuild.
export const dynamic = "force-dynamic";

function Brand() {
  return (
    <Link href="/" className="brand">
      FLuFHE
    </Link>
  );
}

export default async function RootLayout({ children }: { children: ReactNode }) {
  const state = await readDeployment();
  return (
    <html lang="en">
      <body>
        <a href="#main" className="skip-link">
          Skip to content
        </a>
        {state.ok ? (
          <Providers deployment={state.deployment}>
            <header className="site-header">
              <Brand />
              <nav aria-label="Main">
                <Link href="/">Tasks</Link>
                <Link href="/tasks/new">New task</Link>
                <Link href="/evaluate">Evaluate</Link>
                <Link href="/glossary">Glossary</Link>
              </nav>
              <WalletBar />
            </header>
            <main id="main">{children}</main>
          </Providers>
        ) : (
          <>
            <header className="site-header">
              <Brand />
            </header>
            <main id="main">
              <div role="alert" className="notice error">
                <h1>No aggregator deployment</h1>
                <p>{state.error}</p>
              </div>
            </main>
          </>
        )}
      </body>
    </html>
  );
}
