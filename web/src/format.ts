/** Display helpers: integers with separators, compact magnitudes, addresses, durations. */

const INT = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function formatInt(n: number | bigint): string {
  return typeof n === "number" && !Number.isFinite(n) ? "n/a" : INT.format(n);
}

/** 18_900_000 -> "18.9M"; 0.000123 -> "1.23e-4" for small fractions. */
export function formatCompact(n: number): string {
  if (!Number.isFinite(n)) return "n/a";
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return formatInt(Math.round(n));
}

/** A float with `digits` significant digits, exponent notation when tiny or huge. */
export function formatFloat(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const abs = Math.abs(x);
  return abs < 1e-3 || abs >= 1e6 ? x.toExponential(digits - 1) : Number(x.toPrecision(digits)).toString();
}

/**
 * A chunk, word, batch or parameter index as the page shows it: from 1, as people count (the chain and
 * the files count from 0; test ids keep the chain's index).
 */
export function shownIndex(index: number | bigint | string): number {
  return Number(index) + 1;
}

/** Words `from`..`from + count - 1` (chain indices) as the page shows them: "words 1–400". */
export function shownWords(from: number | bigint | string, count: number | bigint | string): string {
  const first = shownIndex(from);
  return `words ${first}–${first + Number(count) - 1}`;
}

export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

export function shortHash(hash: string): string {
  return hash.length > 14 ? `${hash.slice(0, 10)}…${hash.slice(-6)}` : hash;
}

/** Seconds as "2d 03:04:05", "03:04:05" or "04:05"; negative values clamp to 0. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const pad = (v: number) => String(v).padStart(2, "0");
  const clock = hh > 0 || days > 0 ? `${pad(hh)}:${pad(mm)}:${pad(ss)}` : `${pad(mm)}:${pad(ss)}`;
  return days > 0 ? `${days}d ${clock}` : clock;
}

/** Seconds as a human span: "1 h 30 min", "45 s", "2 d". */
export function formatSpan(seconds: number): string {
  const units: [number, string][] = [
    [86400, "d"],
    [3600, "h"],
    [60, "min"],
    [1, "s"],
  ];
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(seconds));
  for (const [size, name] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)} ${name}`);
      rest %= size;
    }
  }
  return parts.length > 0 ? parts.join(" ") : "0 s";
}

export function formatTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";
}
