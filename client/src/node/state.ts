import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * What a participant must not lose in a crash: the exact encoded update of a round (so a restart
 * submits the remaining chunks of the same update, never a different one) and the global models
 * it already rebuilt.
 */
export interface ParticipantState {
  aggregator: string;
  taskId: string;
  account: string;
  /** Encoded update per round, as hex words per chunk. */
  updates: Record<string, string[][]>;
}

export class StateStore {
  constructor(readonly file: string) {}

  load(init: Omit<ParticipantState, "updates">): ParticipantState {
    if (!existsSync(this.file)) return { ...init, updates: {} };
    const state = JSON.parse(readFileSync(this.file, "utf8")) as ParticipantState;
    if (state.aggregator !== init.aggregator || state.taskId !== init.taskId || state.account !== init.account) {
      throw new Error(`state file ${this.file} belongs to another task or account: use another --state path`);
    }
    return state;
  }

  /** Atomic write (temp file + rename), so a crash never leaves a half-written state. */
  save(state: ParticipantState): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, this.file);
  }
}

export { fromHexChunks, toHexChunks } from "./hexChunks";
