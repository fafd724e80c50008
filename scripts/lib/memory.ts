import { readFileSync } from "node:fs";

/** Resident set size of a process in MB (VmRSS from /proc, Linux); undefined when it is gone or unreadable. */
export function rssMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

/**
 * Samples a process's RSS every `everyMs` (and on every read) and keeps the peak, so a spike between
 * two round boundaries is not missed. The timer does not keep the process alive.
 */
export class RssSampler {
  peakMb = 0;
  /** The peak since the last startWindow() (e.g. one phase of a round). */
  windowPeakMb = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    readonly pid: number,
    readonly everyMs = 1000,
  ) {}

  start(): this {
    this.now();
    this.timer ??= setInterval(() => this.now(), this.everyMs);
    this.timer.unref();
    return this;
  }

  /** The RSS right now (NaN when it cannot be read), counted into the peak. */
  now(): number {
    const mb = rssMb(this.pid);
    if (mb === undefined) return NaN;
    this.peakMb = Math.max(this.peakMb, mb);
    this.windowPeakMb = Math.max(this.windowPeakMb, mb);
    return mb;
  }

  /** Starts a new window for windowPeakMb and returns the peak of the window that ended. */
  startWindow(): number {
    const ended = this.windowPeakMb;
    this.windowPeakMb = 0;
    this.now();
    return ended;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
