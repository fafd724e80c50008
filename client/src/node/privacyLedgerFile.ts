/**
 * The node's privacy ledger on disk: one JSON file per data set (`<fingerprint>.json`) in a directory
 * shared by every participant process of this user (default ~/.flufhe/privacy), written atomically.
 * A file that does not read back as an account is an error naming it and is never overwritten: privacy
 * accounting must not be silently reset. `exclusive` holds `<fingerprint>.lock`, created with O_EXCL.
 */
import { randomUUID } from "node:crypto";
import { link, mkdir, open, readFile, readdir, rename, stat, unlink, utimes } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { checkAccount, checkFingerprint, type DatasetAccount, type LedgerStore } from "../privacy/ledger";
import { sleep } from "../util/sleep";
import { writeFileAtomic } from "./atomicFile";

/** The environment variable that moves the default ledger (the test runners point it at a temporary directory). */
export const LEDGER_DIR_ENV = "FLUFHE_PRIVACY_LEDGER";

/** Where the node keeps its privacy ledger unless told otherwise: $FLUFHE_PRIVACY_LEDGER, else ~/.flufhe/privacy. */
export function defaultLedgerDir(): string {
  return process.env[LEDGER_DIR_ENV] || path.join(os.homedir(), ".flufhe", "privacy");
}

/** Tuning of the lock, for tests. */
export interface LedgerDirectoryOptions {
  /** Says that a stale lock was taken over. */
  warn?: (message: string) => void;
  /** A lock file not touched for this long was left by a dead process (ms). */
  staleMs?: number;
  /** Giving up on a lock that a live process keeps touching (ms). */
  waitMs?: number;
}

const STALE_MS = 2 * 60_000;
const WAIT_MS = 10 * 60_000;

/** A LedgerStore on files: one `<fingerprint>.json` per data set in `dir`. */
export class PrivacyLedgerDirectory implements LedgerStore {
  private readonly warn: (message: string) => void;
  private readonly staleMs: number;
  private readonly waitMs: number;

  constructor(
    readonly dir: string = defaultLedgerDir(),
    options: LedgerDirectoryOptions = {},
  ) {
    this.warn = options.warn ?? ((m) => process.stderr.write(`warning: ${m}\n`));
    this.staleMs = options.staleMs ?? STALE_MS;
    this.waitMs = options.waitMs ?? WAIT_MS;
  }

  /** The file that holds a data set's account. */
  fileOf(fingerprint: string): string {
    return path.join(this.dir, `${checkFingerprint(fingerprint)}.json`);
  }

  /** The data set's account, undefined when the ledger has none; an error naming the file if it is corrupt. */
  async load(fingerprint: string): Promise<DatasetAccount | undefined> {
    const file = this.fileOf(fingerprint);
    const text = await readIfExists(file);
    if (text === undefined) return undefined;
    const account = parseAccountFile(file, text);
    if (account.fingerprint !== fingerprint) throw corrupt(file, `it holds the account of ${account.fingerprint}`);
    return account;
  }

  /** Writes the account atomically; refuses to replace a file that is there but corrupt. */
  async save(account: DatasetAccount): Promise<void> {
    const file = this.fileOf(account.fingerprint);
    await this.load(account.fingerprint); // throws on a corrupt file, which must stay as it is
    writeFileAtomic(file, JSON.stringify(account, null, 2) + "\n");
  }

  /** Every account in the directory; an error naming the first corrupt file. */
  async list(): Promise<DatasetAccount[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const accounts: DatasetAccount[] = [];
    for (const name of names.filter((n) => /^0x[0-9a-f]{64}\.json$/.test(n)).sort()) {
      const account = await this.load(name.slice(0, -".json".length));
      if (account) accounts.push(account);
    }
    return accounts;
  }

  /** Runs fn while holding `<fingerprint>.lock`: processes sharing this directory take turns. */
  async exclusive<T>(fingerprint: string, fn: () => Promise<T>): Promise<T> {
    const lock = path.join(this.dir, `${checkFingerprint(fingerprint)}.lock`);
    await this.acquire(lock);
    // A long section keeps its lock fresh, so no other process takes it over as stale.
    const heartbeat = setInterval(() => void utimes(lock, new Date(), new Date()).catch(() => {}), this.staleMs / 4);
    heartbeat.unref();
    try {
      return await fn();
    } finally {
      clearInterval(heartbeat);
      await unlink(lock).catch(() => {});
    }
  }

  private async acquire(lock: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const deadline = Date.now() + this.waitMs;
    for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
      if (await tryCreate(lock)) return;
      if (await this.takeOverIfStale(lock)) continue;
      if (Date.now() > deadline) {
        throw new Error(
          `privacy ledger lock ${lock} has been held by another process for over ${Math.round(this.waitMs / 1000)} s; ` +
            `if no flufhe process is running, delete it`,
        );
      }
      await sleep(delay * (0.5 + Math.random()));
    }
  }

  /**
   * Moves a stale lock aside (rename is atomic: of two processes that saw it stale, one moves it). If
   * what was moved turns out to be fresh, another process had just taken the lock over: it is put back.
   */
  private async takeOverIfStale(lock: string): Promise<boolean> {
    const seen = await statIfExists(lock);
    if (!seen || Date.now() - seen.mtimeMs <= this.staleMs) return false;
    const aside = `${lock}.${process.pid}.${randomUUID()}.stale`;
    try {
      await rename(lock, aside);
    } catch {
      return false; // someone else moved or released it: try again
    }
    const moved = await stat(aside);
    if (moved.ino !== seen.ino || Date.now() - moved.mtimeMs <= this.staleMs) {
      await link(aside, lock).catch(() => {});
      await unlink(aside);
      return false;
    }
    await unlink(aside);
    this.warn(
      `took over the privacy ledger lock ${lock}, untouched for ${Math.round((Date.now() - seen.mtimeMs) / 1000)} s ` +
        `(a process that held it must have died)`,
    );
    return true;
  }
}

/** Creates the lock file if nobody holds it ("wx": O_CREAT | O_EXCL); false when it is there already. */
async function tryCreate(lock: string): Promise<boolean> {
  try {
    const handle = await open(lock, "wx");
    await handle.writeFile(JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date().toISOString() }));
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

async function statIfExists(file: string) {
  try {
    return await stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function parseAccountFile(file: string, text: string): DatasetAccount {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw corrupt(file, `it is not valid JSON (${(error as Error).message})`);
  }
  try {
    return checkAccount(value);
  } catch (error) {
    throw corrupt(file, `it is not a ledger account (${(error as Error).message})`);
  }
}

function corrupt(file: string, why: string): Error {
  return new Error(
    `privacy ledger file ${file} is corrupt: ${why}. It was left as it is and nothing was trained: ` +
      `repair it or move it away (moving it away forgets what was spent on this data set)`,
  );
}
