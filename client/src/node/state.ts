import { existsSync, readFileSync, renameSync } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "./atomicFile";
import { checkSavedState, freshState, type ParticipantState, type StateOwner } from "./participantState";

export type { ParticipantState } from "./participantState";

/** Where a participant keeps its state for a task unless told otherwise. */
export function defaultStatePath(taskId: number | bigint | string, account: string): string {
  return path.join(".flufhe", `task-${String(taskId)}-${account.toLowerCase()}.json`);
}

/**
 * A participant's state file. A file made for another task (same id on a restarted devnet, say) is
 * never reused and never deleted: it is renamed aside, the `warn` callback says so, and the round
 * starts from a fresh state. Writes are atomic (temp file + rename, unique per process).
 */
export class StateStore {
  constructor(
    readonly file: string,
    private readonly warn: (message: string) => void = (m) => process.stderr.write(`warning: ${m}\n`),
  ) {}

  load(owner: StateOwner): ParticipantState {
    if (!existsSync(this.file)) return freshState(owner);
    let saved: Partial<ParticipantState>;
    try {
      saved = JSON.parse(readFileSync(this.file, "utf8")) as Partial<ParticipantState>;
    } catch (error) {
      throw new Error(
        `state file ${this.file} is not valid JSON (${(error as Error).message}): move it away (nothing in it ` +
          `is lost on chain: submitted chunks are counted there) or pass another --state path`,
      );
    }
    const check = checkSavedState(saved, owner);
    if (check.verdict === "ok") return { ...saved, ...owner, updates: saved.updates ?? {} }; // keeps the feedback residual
    if (check.verdict === "other-account") {
      throw new Error(`state file ${this.file} cannot be used: ${check.message}. Pass this account's --state path`);
    }
    const aside = this.asideName(saved);
    renameSync(this.file, aside);
    this.warn(
      `state file ${this.file} was not used: ${check.message}. It was kept as ${aside} and nothing from it was sent; ` +
        `this task starts from a fresh state (delete the old file once you no longer need it)`,
    );
    return freshState(owner);
  }

  /** Atomic write, so a crash never leaves a half-written state. */
  save(state: ParticipantState): void {
    writeFileAtomic(this.file, JSON.stringify(state));
  }

  /** `<file>.chain<id>-block<n>-<hash8>[-<k>].json` from the old state's task, never an existing name. */
  private asideName(saved: Partial<ParticipantState>): string {
    const t = saved.task;
    const tag = t?.createdBlockHash
      ? `chain${t.chainId}-block${t.createdBlock}-${t.createdBlockHash.slice(2, 10)}`
      : `unbound-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    const base = this.file.replace(/\.json$/, "");
    for (let k = 0; ; k++) {
      const candidate = `${base}.${tag}${k ? `-${k}` : ""}.json`;
      if (!existsSync(candidate)) return candidate;
    }
  }
}

export { fromHexChunks, toHexChunks } from "./hexChunks";
