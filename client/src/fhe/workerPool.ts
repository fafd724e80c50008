/**
 * A fixed set of Node worker threads that run one job at a time each, first come first served. Each
 * worker loads `entry` with `init` (its own state: here, its own TFHE instance) and answers jobs; the
 * caller gets every job's result through its own promise, so results keep the order the caller
 * awaits them in. A job that throws rejects with its label; a worker that dies (crash, out of
 * memory) rejects its job with the label it was on and stops the pool, since a participant must not
 * go on submitting with a broken encryptor. Node only.
 */
import { createRequire } from "node:module";
import { Worker, parentPort, workerData } from "node:worker_threads";

/** Messages a pool worker sends (see `serveJobs`). */
export type WorkerReply =
  | { kind: "ready" }
  | { kind: "init-failed"; error: string }
  | { kind: "done"; id: number; value: unknown; ms: number }
  | { kind: "failed"; id: number; error: string };

/** A job the pool sends to a worker. */
export interface WorkerJob {
  id: number;
  payload: unknown;
}

/** A failed job or worker, with what it was working on. */
export class WorkerPoolError extends Error {
  override name = "WorkerPoolError";
}

interface Queued {
  id: number;
  payload: unknown;
  label: string;
  resolve(result: { value: unknown; ms: number }): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  index: number;
  ready: boolean;
  busy?: Queued;
}

export interface WorkerPoolOptions {
  /** Absolute path of the worker module (.ts under ts-node or vitest, .js when compiled). */
  entry: string;
  /** Structured-cloneable data every worker gets as `workerData`. */
  init: unknown;
  threads: number;
  /** What the workers do, for error messages ("encryption worker"). */
  name: string;
}

/**
 * Starts a TypeScript worker module through ts-node's transpile-only hook: worker threads load
 * plain Node modules, and this project runs its TypeScript without a build step.
 */
function startWorker(entry: string, workerData: unknown): Worker {
  if (!entry.endsWith(".ts")) return new Worker(entry, { workerData });
  const hook = createRequire(__filename).resolve("ts-node/register/transpile-only");
  const code = `require(${JSON.stringify(hook)}); require(${JSON.stringify(entry)});`;
  return new Worker(code, { eval: true, workerData });
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Queued[] = [];
  private nextId = 0;
  private stopped?: Error;

  constructor(private readonly o: WorkerPoolOptions) {
    if (!Number.isInteger(o.threads) || o.threads < 1)
      throw new WorkerPoolError(`${o.name} threads must be a positive integer, got ${o.threads}`);
    for (let index = 0; index < o.threads; index++) this.slots.push(this.spawn(index));
  }

  get threads(): number {
    return this.o.threads;
  }

  /** Resolves once every worker has opened its state (a benchmark times jobs, not start-up). */
  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.stopped) reject(this.stopped);
        else if (this.slots.every((s) => s.ready)) resolve();
        else setTimeout(check, 50);
      };
      check();
    });
  }

  /** Runs `payload` on the next free worker; `label` names the job in errors ("chunk 3, input 2"). */
  run<T>(payload: unknown, label: string): Promise<{ value: T; ms: number }> {
    if (this.stopped) return Promise.reject(this.stopped);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, payload, label, resolve: resolve as Queued["resolve"], reject });
      this.dispatch();
    });
  }

  /** Terminates every worker; queued and running jobs reject. */
  async close(): Promise<void> {
    this.stop(new WorkerPoolError(`the ${this.o.name} pool was closed`));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(index: number): Slot {
    const slot: Slot = { worker: startWorker(this.o.entry, this.o.init), index, ready: false };
    slot.worker.on("message", (reply: WorkerReply) => this.onReply(slot, reply));
    slot.worker.on("error", (error) => this.onDeath(slot, error.message));
    slot.worker.on("exit", (code) => this.onDeath(slot, `exited with code ${code}`));
    slot.worker.unref(); // an idle pool never keeps the process alive
    return slot;
  }

  private onReply(slot: Slot, reply: WorkerReply): void {
    if (reply.kind === "ready") {
      slot.ready = true;
      this.dispatch();
      return;
    }
    if (reply.kind === "init-failed") {
      this.stop(new WorkerPoolError(`${this.o.name} ${slot.index + 1} could not start: ${reply.error}`));
      return;
    }
    const job = slot.busy;
    if (!job || job.id !== reply.id) return;
    slot.busy = undefined;
    if (reply.kind === "done") job.resolve({ value: reply.value, ms: reply.ms });
    else job.reject(new WorkerPoolError(`${this.o.name} ${slot.index + 1} failed on ${job.label}: ${reply.error}`));
    this.dispatch();
  }

  private onDeath(slot: Slot, why: string): void {
    if (this.stopped) return;
    const on = slot.busy ? `on ${slot.busy.label}` : "while idle";
    this.stop(new WorkerPoolError(`${this.o.name} ${slot.index + 1} died ${on} (${why}); nothing after it was sent`));
  }

  private stop(error: Error): void {
    if (this.stopped) return;
    this.stopped = error;
    for (const slot of this.slots) {
      slot.busy?.reject(error);
      slot.busy = undefined;
    }
    for (const job of this.queue.splice(0)) job.reject(error);
    for (const slot of this.slots) void slot.worker.terminate();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) break;
      if (!slot.ready || slot.busy) continue;
      const job = this.queue.shift()!;
      slot.busy = job;
      slot.worker.postMessage({ id: job.id, payload: job.payload } satisfies WorkerJob);
    }
    this.holdProcess();
  }

  /**
   * Queued or running jobs keep the process alive (their callers await them, often with nothing else
   * pending: a worker still starting must not let the process exit); an idle pool never does.
   */
  private holdProcess(): void {
    const idle = this.queue.length === 0 && this.slots.every((s) => !s.busy);
    for (const slot of this.slots) {
      if (idle) slot.worker.unref();
      else slot.worker.ref();
    }
  }
}

/**
 * The worker side: opens the worker's state from `workerData`, then answers each job with `handle`.
 * A job's exception is reported as that job's failure; the worker stays up for the next one.
 */
export function serveJobs<I, P>(open: (init: I) => Promise<(payload: P) => Promise<unknown>>): void {
  const port = parentPort;
  if (!port) throw new WorkerPoolError("serveJobs runs inside a worker thread");
  const reply = (message: WorkerReply) => port.postMessage(message);
  const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
  open(workerData as I).then(
    (handle) => {
      port.on("message", ({ id, payload }: WorkerJob) => {
        const t0 = performance.now();
        handle(payload as P).then(
          (value) => reply({ kind: "done", id, value, ms: performance.now() - t0 }),
          (error: unknown) => reply({ kind: "failed", id, error: messageOf(error) }),
        );
      });
      reply({ kind: "ready" });
    },
    (error: unknown) => reply({ kind: "init-failed", error: messageOf(error) }),
  );
}
