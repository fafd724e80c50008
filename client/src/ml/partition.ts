// Splitting one dataset among simulated clients, IID or with label skew (the non-IID settings of
// the FL literature). Seeded, so a run's partition can be reproduced from its config alone.
//
// Every client gets at least one sample: partitioners refuse fewer samples than clients, and a
// final repair step hands each empty client one sample from the currently largest client (which
// holds >= 2 by pigeonhole, so it never becomes empty itself). Empty clients would otherwise
// break training and the sample-weighted average.

import { dirichlet, mulberry32, permutation, shuffleInPlace, type Rng } from "./rng";

export interface Partitioner {
  /** Sample indices per client; together they cover 0..labels.length-1 exactly once. */
  partition(labels: Int32Array, numClients: number): Int32Array[];
}

/** Splits `items` into k contiguous chunks whose sizes differ by at most one. */
function splitEvenly<T>(items: T[], k: number): T[][] {
  return Array.from({ length: k }, (_, c) =>
    items.slice(Math.floor((c * items.length) / k), Math.floor(((c + 1) * items.length) / k)),
  );
}

/** Indices of each class, shuffled with `rng`. */
function indicesByClass(labels: Int32Array, rng: Rng): number[][] {
  const numClasses = labels.reduce((m, v) => Math.max(m, v + 1), 0);
  const groups: number[][] = Array.from({ length: numClasses }, () => []);
  labels.forEach((l, i) => groups[l].push(i));
  return groups.map((g) => shuffleInPlace(g, rng));
}

function checkArgs(labels: Int32Array, numClients: number): void {
  if (!Number.isInteger(numClients) || numClients < 1)
    throw new RangeError(`numClients must be >= 1, got ${numClients}`);
  if (labels.length < numClients) {
    throw new RangeError(`cannot give ${numClients} clients at least one sample each from ${labels.length} samples`);
  }
}

/** Fills empty clients (see the header comment), then sorts each client's indices. */
function finish(parts: number[][]): Int32Array[] {
  for (const part of parts) {
    if (part.length > 0) continue;
    const donor = parts.reduce((big, p) => (p.length > big.length ? p : big));
    part.push(donor.pop() as number);
  }
  return parts.map((p) => Int32Array.from(p).sort());
}

export class IidPartitioner implements Partitioner {
  constructor(readonly seed: number) {}

  partition(labels: Int32Array, numClients: number): Int32Array[] {
    checkArgs(labels, numClients);
    return finish(splitEvenly(Array.from(permutation(labels.length, mulberry32(this.seed))), numClients));
  }
}

/** Per class, client shares ~ Dirichlet(alpha): small alpha = strong label skew, large = near IID. */
export class DirichletPartitioner implements Partitioner {
  constructor(
    readonly alpha: number,
    readonly seed: number,
  ) {
    if (!(alpha > 0)) throw new RangeError(`Dirichlet alpha must be > 0, got ${alpha}`);
  }

  partition(labels: Int32Array, numClients: number): Int32Array[] {
    checkArgs(labels, numClients);
    const rng = mulberry32(this.seed);
    const parts: number[][] = Array.from({ length: numClients }, () => []);
    for (const group of indicesByClass(labels, rng)) {
      const p = dirichlet(rng, this.alpha, numClients);
      let cum = 0;
      let start = 0;
      p.forEach((share, c) => {
        cum += share;
        const end = c === numClients - 1 ? group.length : Math.round(cum * group.length);
        parts[c].push(...group.slice(start, end));
        start = Math.max(start, end);
      });
    }
    return finish(parts);
  }
}

/**
 * The "pathological" split of McMahan et al.: sort by label, cut into numClients * shardsPerClient
 * shards, deal shardsPerClient random shards to each client (so each sees about that many labels).
 */
export class ShardPartitioner implements Partitioner {
  constructor(
    readonly shardsPerClient: number,
    readonly seed: number,
  ) {
    if (!Number.isInteger(shardsPerClient) || shardsPerClient < 1) {
      throw new RangeError(`shardsPerClient must be >= 1, got ${shardsPerClient}`);
    }
  }

  partition(labels: Int32Array, numClients: number): Int32Array[] {
    checkArgs(labels, numClients);
    const rng = mulberry32(this.seed);
    const shards = splitEvenly(indicesByClass(labels, rng).flat(), numClients * this.shardsPerClient);
    const order = permutation(shards.length, rng);
    const parts = Array.from({ length: numClients }, (_, c) =>
      Array.from(order.subarray(c * this.shardsPerClient, (c + 1) * this.shardsPerClient)).flatMap((s) => shards[s]),
    );
    return finish(parts);
  }
}

/**
 * Whole labels per client: with fewer clients than classes, client c owns the classes l with
 * l % numClients === c; with more, class l is split evenly among the clients c with c % numClasses === l.
 */
export class ByLabelPartitioner implements Partitioner {
  constructor(readonly seed: number) {}

  partition(labels: Int32Array, numClients: number): Int32Array[] {
    checkArgs(labels, numClients);
    const groups = indicesByClass(labels, mulberry32(this.seed));
    const parts: number[][] = Array.from({ length: numClients }, () => []);
    groups.forEach((group, l) => {
      const owners =
        numClients >= groups.length
          ? Array.from({ length: numClients }, (_, c) => c).filter((c) => c % groups.length === l)
          : [l % numClients];
      splitEvenly(group, owners.length).forEach((chunk, k) => parts[owners[k]].push(...chunk));
    });
    return finish(parts);
  }
}

/** counts[client][class]. */
export function labelHistogram(labels: Int32Array, parts: Int32Array[], numClasses: number): number[][] {
  return parts.map((p) => {
    const counts = new Array<number>(numClasses).fill(0);
    p.forEach((i) => counts[labels[i]]++);
    return counts;
  });
}

/** A fixed-width text table: one row per client, one column per class, plus the row total. */
export function formatLabelHistogram(labels: Int32Array, parts: Int32Array[], numClasses: number): string {
  const rows = labelHistogram(labels, parts, numClasses);
  const header = ["client", ...Array.from({ length: numClasses }, (_, k) => `c${k}`), "total"];
  const body = rows.map((counts, c) => [String(c), ...counts.map(String), String(parts[c].length)]);
  const widths = header.map((h, j) => Math.max(h.length, ...body.map((r) => r[j].length)));
  return [header, ...body].map((r) => r.map((cell, j) => cell.padStart(widths[j])).join(" ")).join("\n");
}
