import { spawn } from "node:child_process";
import path from "node:path";

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
