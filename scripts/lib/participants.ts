import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import type { ParticipantEvent } from "../../client/src/node/taskSession";

const ROOT = path.resolve(__dirname, "..", "..");
const CLI = path.join(ROOT, "client", "src", "cli.ts");

/** A participant node running as its own OS process, its JSON-line events collected. */
export interface ParticipantProcess {
  index: number;
  child: ChildProcess;
  events: ParticipantEvent[];
  exited: Promise<number>;
  /** The process has ended and all its output has been read. */
  closed: () => boolean;
  stderrTail: () => string;
  kill(): void;
}

/** Spawns `flufhe node ... --json` (through ts-node) and parses its events as they come. */
export function spawnParticipant(
  index: number,
  args: string[],
  onEvent?: (index: number, event: ParticipantEvent) => void,
): ParticipantProcess {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", CLI, "node", ...args, "--json"], {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const events: ParticipantEvent[] = [];
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  createInterface({ input: child.stdout! }).on("line", (line) => {
    if (!line.startsWith("{")) return;
    try {
      const event = JSON.parse(line) as ParticipantEvent;
      events.push(event);
      onEvent?.(index, event);
    } catch {
      // not an event line
    }
  });
  const exited = new Promise<number>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))),
  );
  let closed = false;
  child.once("close", () => (closed = true));
  return {
    index,
    child,
    events,
    exited,
    closed: () => closed,
    stderrTail: () => stderr,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

/**
 * Throws, with its stderr's tail, when a participant process has exited with an error, or exited
 * at all before its "finished" event (the owner would otherwise wait for it until the round's deadline).
 */
export function checkParticipants(processes: readonly ParticipantProcess[]): void {
  const bad = processes.find(
    (p) =>
      p.child.exitCode !== null &&
      (p.child.exitCode !== 0 || (p.closed() && !p.events.some((e) => e.event === "finished"))),
  );
  if (bad)
    throw new Error(
      `participant ${bad.index} exited with code ${bad.child.exitCode}` +
        `${bad.child.exitCode === 0 ? " before its last round" : ""}:\n${bad.stderrTail()}`,
    );
}
