/**
 * `npm run bench:two-phase -- --rank 6 --permute-pixels --json`: would two aggregations per round pay?
 * A plaintext simulation of PowerSGD as Vogels et al. (2019, arXiv 1905.13727) run it, with error
 * feedback, on the workload of `bench:learning` (same partitions, seeds and local training): phase 1
 * aggregates P = sum_i w_i X_i Q (X_i = participant i's update plus its residual, Q the previous
 * round's factor), which is then orthonormalised in public; phase 2 aggregates Q' = sum_i w_i X_i^T P;
 * the update is P Q'^T and Q' is the next round's Q. On chain this would take two encrypted
 * submissions and a decryption in the middle of every round, so it is only worth building if it beats
 * the one-phase `lowrank:r` at equal coordinates. Values are sent exactly (--bits 0, the default: the
 * best case) or stochastically rounded to b bits at the clip (the codec's rounding; its words are what
 * 128-bit words with the task's lanes would carry). Parameters outside the compressed matrices are sent
 * exactly. Not a protocol: nothing here reaches the chain. Last stdout line with --json:
 * {"rank", "coordinates", "words", "accuracies", "reference": {"accuracies"}, "settings"}.
 */
import { Command, InvalidArgumentError } from "commander";
import { orthonormalBasis, lowRankFits, type WeightMatrix } from "../client/src/codec/lowRank";
import { MAX_VALUE_BITS, MIN_VALUE_BITS, WORD_BITS, minLaneBits } from "../client/src/codec/layout";
import { seededStream, type Rng } from "../client/src/codec/sharedSeed";
import { stochasticCodes } from "../client/src/codec/stochastic";
import { initBackend } from "../client/src/ml/backend";
import { buildModel, getFlatWeights, setFlatWeights } from "../client/src/ml/models";
import { evaluate } from "../client/src/ml/train";
import { codecDefaults } from "../client/src/protocol/taskChoices";
import { weightMatrices } from "../client/src/protocol/weightShapes";
import { plaintextFedAvg, simulatedFederation, trainRound, workloadOptions, type Workload } from "./lib/encoded-fedavg";
import { positive } from "./lib/flags";

interface Options extends Workload {
  rank: number;
  bits: number;
  clip: number;
  json?: boolean;
}

function valueBits(text: string): number {
  const b = Number(text);
  if (!Number.isInteger(b) || (b !== 0 && (b < MIN_VALUE_BITS || b > MAX_VALUE_BITS))) {
    throw new InvalidArgumentError(
      `--bits must be 0 (exact values) or an integer in [${MIN_VALUE_BITS}, ${MAX_VALUE_BITS}]`,
    );
  }
  return b;
}

const log = (message: string): void => console.error(`[bench:two-phase] ${message}`);

/** X F for a factor of columns of length cols (side "cols", rows x k) or F^T X (side "rows", k x cols), flat. */
function project(x: Float64Array, w: WeightMatrix, factor: Float64Array[], side: "rows" | "cols"): Float64Array {
  const k = factor.length;
  const out = new Float64Array(k * (side === "cols" ? w.rows : w.cols));
  for (let i = 0; i < w.rows; i++) {
    for (let j = 0; j < w.cols; j++) {
      const v = x[w.offset + i * w.cols + j];
      if (side === "cols") for (let c = 0; c < k; c++) out[i * k + c] += v * factor[c][j];
      else for (let c = 0; c < k; c++) out[j * k + c] += v * factor[c][i];
    }
  }
  return out;
}

/** The columns of a flat n x k matrix. */
const columns = (flat: Float64Array, n: number, k: number): Float64Array[] =>
  Array.from({ length: k }, (_, c) => Float64Array.from({ length: n }, (__, i) => flat[i * k + c]));

/** What a participant sends of v: exact, or its stochastically rounded b-bit levels times the step. */
function sent(v: Float64Array, o: Options, dither: Rng): Float64Array {
  if (o.bits === 0) return v;
  const out = new Float64Array(v.length);
  stochasticCodes(v, o.clip, o.bits, dither, out);
  return out;
}

async function main(o: Options): Promise<void> {
  await initBackend(undefined, log);
  const { federation: f, spec } = simulatedFederation(o, log);
  const { parts, test } = f;
  log("reference: plaintext FedAvg");
  const reference = plaintextFedAvg(f, spec, "reference");

  const matrices = weightMatrices(spec).filter((w) => lowRankFits(w, o.rank));
  const total = parts.reduce((s, p) => s + p.y.length, 0);
  const weights = parts.map((p) => p.y.length / total);
  const rng = seededStream("0x" + "00".repeat(31) + "01", `two-phase-${o.seed}`);
  const dither = parts.map((_, i) => seededStream("0x" + "00".repeat(31) + "02", `dither-${o.seed}-${i}`));
  const model = buildModel(spec);
  let global = getFlatWeights(model);
  const d = global.length;
  const inMatrix = new Uint8Array(d);
  for (const w of matrices) inMatrix.fill(1, w.offset, w.offset + w.rows * w.cols);
  let coordinates = d;
  for (const w of matrices) coordinates += o.rank * (w.rows + w.cols) - w.rows * w.cols;
  const residual = parts.map(() => new Float64Array(d));
  let factors = matrices.map((w) => orthonormalBasis(w.cols, o.rank, [], rng));
  const accuracies: number[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    const xs = trainRound(f, model, global, round).map((delta, i) =>
      Float64Array.from(delta, (v, j) => v + residual[i][j]),
    );
    const update = new Float64Array(d);
    // What each participant's sent values decode to, for its residual.
    const decoded = xs.map(() => new Float64Array(d));
    xs.forEach((x, i) => {
      const rest = sent(
        Float64Array.from(x, (v, j) => (inMatrix[j] ? 0 : v)),
        o,
        dither[i],
      );
      for (let j = 0; j < d; j++) {
        if (inMatrix[j]) continue;
        decoded[i][j] = rest[j];
        update[j] += weights[i] * rest[j];
      }
    });
    factors = matrices.map((w, m) => {
      const q = orthonormalBasis(w.cols, o.rank, factors[m], rng);
      const p = new Float64Array(w.rows * o.rank);
      xs.forEach((x, i) => sent(project(x, w, q, "cols"), o, dither[i]).forEach((v, at) => (p[at] += weights[i] * v)));
      const basis = orthonormalBasis(w.rows, o.rank, columns(p, w.rows, o.rank), rng);
      const next = new Float64Array(w.cols * o.rank);
      xs.forEach((x, i) => {
        const mine = sent(project(x, w, basis, "rows"), o, dither[i]);
        mine.forEach((v, at) => (next[at] += weights[i] * v));
        addOuter(decoded[i], w, basis, mine);
      });
      addOuter(update, w, basis, next);
      return columns(next, w.cols, o.rank);
    });
    xs.forEach((x, i) => x.forEach((v, j) => (residual[i][j] = v - decoded[i][j])));
    global = global.map((v, j) => v + update[j]);
    setFlatWeights(model, global);
    accuracies.push(evaluate(model, test).accuracy);
    log(`  two-phase rank ${o.rank} round ${round}: ${(accuracies.at(-1)! * 100).toFixed(2)}%`);
  }
  model.dispose();
  // Words as a task with lanes for this cohort would pack them (exact values: counted at lowrank's default
  // value bits unless --bits is given).
  const laneBits = minLaneBits(o.bits || codecDefaults("lowrank").valueBits, o.clients);
  const words = Math.ceil(coordinates / Math.floor(WORD_BITS / laneBits));
  const result = {
    rank: o.rank,
    coordinates,
    words,
    accuracies,
    reference: { accuracies: reference.accuracies },
    settings: { ...o, json: undefined, parameters: d },
  };
  console.log(
    `two-phase rank ${o.rank}: ${coordinates} coordinates (${words} words of ${laneBits}-bit lanes), ` +
      `${(accuracies.at(-1)! * 100).toFixed(2)} % after ${o.rounds} rounds; reference ${(reference.accuracies.at(-1)! * 100).toFixed(2)} %`,
  );
  if (o.json) console.log(JSON.stringify(result));
}

/** target += B C^T on matrix w, with B's columns of length rows and C flat cols x k. */
function addOuter(target: Float64Array, w: WeightMatrix, basis: Float64Array[], flat: Float64Array): void {
  const k = basis.length;
  for (let i = 0; i < w.rows; i++) {
    for (let j = 0; j < w.cols; j++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += basis[c][i] * flat[j * k + c];
      target[w.offset + i * w.cols + j] += s;
    }
  }
}

const program = workloadOptions(
  new Command()
    .name("bench:two-phase")
    .description("plaintext two-phase PowerSGD with error feedback against plaintext FedAvg"),
)
  .requiredOption("--rank <r>", "rank of every compressed matrix", positive("--rank"))
  .option("--bits <b>", "value bits, 2-32 (0: exact values)", valueBits, 0)
  .option("--clip <C>", "clip bound of the rounded values", positive("--clip", false), 0.18)
  .option("--json", "print one JSON object as the last stdout line")
  .action(async (o: Options) => main(o));

program.parseAsync().catch((error: unknown) => {
  console.error(`bench:two-phase failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
