import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { openNetwork, type Network } from "../../client/src/chain/network";
import { startDevnet, type Devnet } from "../../scripts/lib/devnet";
import type { ParticipantProcess } from "../../scripts/lib/participants";

export const ROOT = path.resolve(__dirname, "..", "..");

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a Node program from the repository root to completion and returns its exit code and output. */
export function runNode(args: string[], env: Record<string, string> = {}): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Runs `flufhe ...` (client/src/cli.ts through ts-node). */
export const runCli = (args: string[]) =>
  runNode(["-r", "ts-node/register/transpile-only", "client/src/cli.ts", ...args]);

/** What a describe block gets from `useDevnet`: filled in beforeAll, torn down in afterAll. */
export interface DevnetFixture {
  devnet: Devnet;
  network: Network;
  /** Participant processes to kill after the block (also when a test fails). */
  processes: ParticipantProcess[];
}

/** A devnet and its network for one describe block; participants, network and node stop afterwards. */
export function useDevnet(): DevnetFixture {
  const fixture = { processes: [] } as unknown as DevnetFixture;
  beforeAll(async () => {
    fixture.devnet = await startDevnet();
    fixture.network = await openNetwork(fixture.devnet.url);
  });
  afterAll(async () => {
    fixture.processes.forEach((p) => p.kill());
    fixture.network?.close();
    await fixture.devnet?.stop();
  });
  return fixture;
}
