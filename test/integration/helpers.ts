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

/** The last line of a command's output, parsed (the `--json` result of an `fl:` task). */
export const lastJson = (out: string) => JSON.parse(out.trim().split("\n").at(-1)!) as Record<string, unknown>;

/**
 * `hardhat <task> --network localhost ...` against a test's devnet (its URL read at each call, so a
 * restarted devnet is followed), with deployments kept in `deploymentsDir`: `hh` returns the result,
 * `ok` throws with the output unless the task succeeded.
 */
export function hardhatTasks(devnetUrl: () => string, deploymentsDir: string) {
  const hh = (args: string[]) =>
    runNode([require.resolve("hardhat/internal/cli/bootstrap"), ...args, "--network", "localhost"], {
      FLUFHE_RPC_URL: devnetUrl(),
      FLUFHE_DEPLOYMENTS_DIR: deploymentsDir,
      NO_COLOR: "1",
    });
  const ok = async (args: string[]): Promise<string> => {
    const r = await hh(args);
    if (r.code !== 0) throw new Error(`hardhat ${args.join(" ")} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };
  return { hh, ok };
}

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
