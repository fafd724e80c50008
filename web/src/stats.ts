/** Summary statistics of a weight vector. */
export interface WeightSummary {
  count: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  l2: number;
  maxAbs: number;
  zeros: number;
}

export function summarize(values: ArrayLike<number>): WeightSummary {
  const n = values.length;
  if (n === 0) return { count: 0, mean: 0, std: 0, min: 0, max: 0, l2: 0, maxAbs: 0, zeros: 0 };
  let sum = 0;
  let sq = 0;
  let min = Infinity;
  let max = -Infinity;
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    sum += v;
    sq += v * v;
    if (v < min) min = v;
    if (v > max) max = v;
    if (v === 0) zeros++;
  }
  const mean = sum / n;
  return {
    count: n,
    mean,
    std: Math.sqrt(Math.max(0, sq / n - mean * mean)),
    min,
    max,
    l2: Math.sqrt(sq),
    maxAbs: Math.max(Math.abs(min), Math.abs(max)),
    zeros,
  };
}

/** Equal-width bins over [min, max]; the last bin includes max. */
export interface Histogram {
  edges: number[];
  counts: number[];
}

export function histogram(values: ArrayLike<number>, bins: number): Histogram {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const { min, max, count } = summarize(values);
  const lo = count === 0 ? 0 : min;
  const hi = count === 0 || max === min ? lo + 1 : max;
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const b = Math.min(bins - 1, Math.floor((values[i] - lo) / width));
    counts[b]++;
  }
  return { edges, counts };
}
