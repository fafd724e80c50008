/**
 * Process and browser plumbing of the browser e2e suite: the `next build` freshness check, `next start`
 * on 127.0.0.1, Debian's Chromium, stopping everything by PID, and the step runner that keeps a
 * screenshot and the page's error text of a failed step under results/e2e-failures/<timestamp>/.
 * Free of vitest, so scripts (bench:participate) use it too; the suites' hooks are in fixture.ts.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { HDNodeWallet, Mnemonic } from "ethers";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const ROOT = path.resolve(__dirname, "..", "..", "..");
const NEXT_BIN = require.resolve("next/dist/bin/next");
const BUILD_DIR = path.join(ROOT, "web", ".next");
/** Written after a successful build by this suite: the fingerprint of the sources it was built from. */
const BUILD_STAMP = path.join(BUILD_DIR, "flufhe-e2e-build.json");

/** Progress lines: on stdout under vitest (shown with the test), on stderr in scripts, whose stdout is their result. */
export const log = (message: string): void => (process.env.VITEST ? console.log : console.error)(`[e2e] ${message}`);

/** The devnet's chain id (Hardhat's). */
export const CHAIN_ID = 31337;
/** A step's own deadline; vitest.e2e.config.ts's testTimeout sits above it. */
export const STEP_TIMEOUT = 300_000;
const DEVNET_MNEMONIC = "test test test test test test test test test test test junk";
/** The private key of the devnet's funded account i (Hardhat's default mnemonic). */
export const devnetKey = (i: number): string =>
  HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEVNET_MNEMONIC), `m/44'/60'/0'/0/${i}`).privateKey;

// ---------------------------------------------------------------------------------------------
// Child processes: every one is tracked and stopped by PID (in afterAll, or when this worker exits).
// ---------------------------------------------------------------------------------------------

const running = new Set<ChildProcess>();
const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;
process.on("exit", () => running.forEach((c) => alive(c) && c.kill("SIGKILL")));

function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

/** Stops a child by PID: SIGTERM, SIGKILL after 5 s. */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || !alive(child)) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

/** Stops every child this module started that is still running (a build cut short by a hook timeout too). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((c) => stopChild(c)));
}

// ---------------------------------------------------------------------------------------------
// next build, skipped when web/.next was built by this suite from the same sources.
// ---------------------------------------------------------------------------------------------

/** What the app is built from: web/ (minus build output), the client library, typechain bindings, the lockfile. */
function sourceFingerprint(): string {
  const files: string[] = [];
  const skip = new Set([".next", "node_modules", "next-env.d.ts"]);
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (skip.has(entry.name) || entry.name.endsWith(".tsbuildinfo")) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.push(full);
    }
  };
  for (const dir of ["web", "client/src", "types"]) {
    if (existsSync(path.join(ROOT, dir))) walk(path.join(ROOT, dir));
  }
  files.push(path.join(ROOT, "package-lock.json"));
  const hash = createHash("sha256");
  for (const file of files.sort()) {
    hash.update(path.relative(ROOT, file)).update("\0");
    hash.update(createHash("sha256").update(readFileSync(file)).digest("hex")).update("\n");
  }
  return hash.digest("hex");
}

function builtFingerprint(): string | undefined {
  try {
    if (!existsSync(path.join(BUILD_DIR, "BUILD_ID"))) return undefined;
    return (JSON.parse(readFileSync(BUILD_STAMP, "utf8")) as { sources?: string }).sources;
  } catch {
    return undefined;
  }
}

/**
 * Runs `next build web` unless web/.next holds a build this suite made from the current sources.
 * FLUFHE_E2E_BUILD=always forces a build, =never reuses whatever web/.next holds.
 */
export async function ensureBuild(): Promise<void> {
  const mode = process.env.FLUFHE_E2E_BUILD ?? "auto";
  if (mode === "never") {
    if (!existsSync(path.join(BUILD_DIR, "BUILD_ID"))) {
      throw new Error("FLUFHE_E2E_BUILD=never but web/.next has no build");
    }
    log("reusing web/.next (FLUFHE_E2E_BUILD=never)");
    return;
  }
  const before = sourceFingerprint();
  if (mode !== "always" && builtFingerprint() === before) {
    log("web/.next is up to date with web/, client/src, types/: not rebuilding");
    return;
  }
  log("building the web app (next build web)…");
  const started = Date.now();
  const child = track(
    spawn(process.execPath, [NEXT_BIN, "build", "web"], {
      cwd: ROOT,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  let output = "";
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-8000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  if (code !== 0) throw new Error(`next build exited with ${code}:\n${output}`);
  // Sources edited while the build ran: no stamp, so the next run builds again.
  if (sourceFingerprint() === before) writeFileSync(BUILD_STAMP, JSON.stringify({ sources: before }) + "\n");
  log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------------------------------------
// next start on 127.0.0.1.
// ---------------------------------------------------------------------------------------------

export async function startNext(port: number, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = track(
    spawn(process.execPath, [NEXT_BIN, "start", "web", "--port", String(port), "--hostname", "127.0.0.1"], {
      cwd: ROOT,
      env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/deployment`);
      if (r.ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  await stopChild(child);
  throw new Error(`next start did not answer within 60 s:\n${output}`);
}

// ---------------------------------------------------------------------------------------------
// Chromium (Debian's, through playwright-core) in a fresh profile directory.
// ---------------------------------------------------------------------------------------------

export async function launchChromium(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: execFileSync("which", ["chromium"]).toString().trim(),
    headless: process.env.FLUFHE_E2E_HEADED !== "1",
    viewport: { width: 1366, height: 900 },
    acceptDownloads: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** PIDs of processes whose command line names this (unique, temporary) profile directory. */
function pidsUsingProfile(profile: string): number[] {
  const pids: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return pids; // not Linux: rely on context.close()
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(profile)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Closes the browser; any of its processes still alive afterwards (found by its profile dir) is killed by PID. */
export async function closeChromium(context: BrowserContext | undefined, profile: string): Promise<void> {
  if (context) {
    await Promise.race([context.close().catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
  }
  for (const pid of pidsUsingProfile(profile)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Console capture and failure artifacts.
// ---------------------------------------------------------------------------------------------

/** Console lines and page errors per page (for failure reports) and all console errors (for the final check). */
export class ConsoleLog {
  readonly errors: string[] = [];
  private readonly lines = new Map<Page, string[]>();

  watch(page: Page, label: string): void {
    const lines: string[] = [];
    this.lines.set(page, lines);
    const keep = (line: string) => {
      lines.push(line);
      if (lines.length > 300) lines.shift();
    };
    page.on("console", (m) => {
      keep(`[${m.type()}] ${m.text()}`);
      if (m.type() === "error") this.errors.push(`${label}: ${m.text()}`);
    });
    page.on("pageerror", (e) => {
      keep(`[pageerror] ${e.stack ?? e.message}`);
      this.errors.push(`${label}: ${e.message}`);
    });
  }

  of(page: Page): string[] {
    return this.lines.get(page) ?? [];
  }
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 60)
    .replace(/^-+|-+$/g, "");

/** Writes results/e2e-failures/<timestamp>/<step>.png and <step>.txt; one timestamp directory per run. */
export class FailureArtifacts {
  private dir: string | undefined;
  constructor(private readonly consoleLog: ConsoleLog) {}

  /** `index` orders the files like the steps; returns the written paths, relative to the repository. */
  async record(index: number, step: string, page: Page | undefined, error: unknown): Promise<string[]> {
    this.dir ??= path.join(ROOT, "results", "e2e-failures", new Date().toISOString().replace(/[:.]/g, "-"));
    mkdirSync(this.dir, { recursive: true });
    const base = path.join(this.dir, `${String(index).padStart(2, "0")}-${slug(step)}`);
    const written: string[] = [];
    const report = [`step: ${step}`, "", "error:", (error as Error)?.stack ?? String(error), ""];
    if (page && !page.isClosed()) {
      const png = `${base}.png`;
      try {
        await page.screenshot({ path: png, fullPage: true, timeout: 15_000 });
        written.push(png);
      } catch (e) {
        report.push(`screenshot failed: ${(e as Error).message}`, "");
      }
      report.push(`url: ${page.url()}`, "");
      const alerts = (
        await page
          .getByRole("alert")
          .allInnerTexts()
          .catch((e: Error) => [`(could not read: ${e.message})`])
      )
        .map((a) => a.trim())
        .filter(Boolean);
      report.push("visible alerts (role=alert):", ...(alerts.length ? alerts.map((a) => `  ${a}`) : ["  (none)"]), "");
      report.push("console of this page:", ...this.consoleLog.of(page).map((l) => `  ${l}`), "");
    } else {
      report.push("no open page to capture", "");
    }
    report.push("console errors so far (all pages):", ...this.consoleLog.errors.map((l) => `  ${l}`));
    writeFileSync(`${base}.txt`, report.join("\n") + "\n");
    written.push(`${base}.txt`);
    return written.map((f) => path.relative(ROOT, f));
  }
}

// ---------------------------------------------------------------------------------------------
// Steps: a deadline each; every failure is recorded (the suites' `it` per step is in fixture.ts).
// ---------------------------------------------------------------------------------------------

export interface StepOptions {
  /** The page a failure screenshot is taken of. */
  page: () => Page | undefined;
  artifacts: FailureArtifacts;
  /** The step's own deadline (a test timeout in the vitest config is a backstop above it). */
  timeoutMs: number;
}

/**
 * Runs step number `index` within its deadline; when it fails, records its failure artifacts, logs it and
 * rethrows with their paths appended to the message.
 */
export async function runStep(
  index: number,
  name: string,
  fn: () => Promise<void>,
  options: StepOptions,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`step did not finish within ${options.timeoutMs / 1000} s`)),
          options.timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    const files = await options.artifacts.record(index, name, options.page(), error).catch(() => []);
    const where = files.length ? `\nfailure artifacts: ${files.join(", ")}` : "";
    console.error(`[e2e] FAIL ${name}${where}`);
    if (error instanceof Error) error.message += where;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (condition) return;
  const error = new Error(message);
  Error.captureStackTrace(error, assert); // the report points at the failing check, not here
  throw error;
}
