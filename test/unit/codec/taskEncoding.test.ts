import { describe, expect, it } from "vitest";
import { parseCompressFlag, withInputBasis } from "../../../client/src/codec/encoding";
import { layoutOf } from "../../../client/src/codec/layout";
import { seededStream } from "../../../client/src/codec/sharedSeed";
import { buildModel } from "../../../client/src/ml/models";
import {
  checkTaskEncoding,
  encodeRound,
  imageLayerOf,
  residualFromText,
  residualToText,
  taskEncoding,
  type Feedback,
} from "../../../client/src/node/encoding";
import { planTask } from "../../../client/src/node/planTask";
import {
  modelCommitment,
  parseModelSpec,
  specFromUri,
  specToUri,
  type ModelSpec,
} from "../../../client/src/protocol/modelSpec";
import {
  DEFAULT_ENCODINGS,
  ENCODED_DEFAULTS,
  FOUR_BIT_DEFAULTS,
  TASK_DEFAULTS,
  codecDefaults,
  newTaskEncoding,
} from "../../../client/src/protocol/taskChoices";
import { weightMatrices, weightShapes } from "../../../client/src/protocol/weightShapes";
import { pcaKeepByWordsRule } from "../../../client/src/protocol/wordsRule";

const mlp: ModelSpec = { kind: "mlp", inputShape: [8, 8, 1], numClasses: 3, hidden: [5], seed: 3 };
const HASH = "0x" + "12".repeat(32);
const LENET: ModelSpec = { kind: "lenet", inputShape: [28, 28, 1], numClasses: 10, seed: 1 };

describe("a task's encoding", () => {
  it("finds the first dense layer on images exactly where the model keeps its kernel", () => {
    for (const spec of [
      mlp,
      { ...mlp, hidden: undefined },
      { ...mlp, kind: "logreg" as const, hidden: undefined },
      { ...mlp, inputShape: [6, 4, 2] },
    ]) {
      const model = buildModel(spec);
      const layer = imageLayerOf(spec)!;
      expect(model.weights[0].shape).toEqual([layer.height * layer.width * layer.channels, layer.units]);
      model.dispose();
    }
    expect(imageLayerOf({ ...mlp, inputShape: [64] })).toBeUndefined();
    expect(imageLayerOf({ ...mlp, kind: "cnn" })).toBeUndefined();
  });

  it("knows every model's weight shapes from the spec alone, as tfjs builds them, and its kernels as matrices", () => {
    const specs: ModelSpec[] = [
      mlp,
      { ...mlp, hidden: [7, 4], inputShape: [13] },
      { ...mlp, kind: "logreg", hidden: undefined },
      { ...mlp, kind: "cnn", inputShape: [9, 7, 2], hidden: [3, 4] },
      { ...mlp, kind: "cnn", inputShape: [8, 8, 1], hidden: undefined },
      { ...mlp, kind: "lenet", inputShape: [28, 28, 1], numClasses: 10, hidden: undefined },
      { ...mlp, kind: "lenet", inputShape: [13, 15, 3], hidden: undefined },
    ];
    for (const spec of specs) {
      const model = buildModel(spec);
      expect(weightShapes(spec)).toEqual(model.weights.map((w) => w.shape));
      model.dispose();
    }
    const lenet = weightMatrices(specs[5]);
    expect(lenet.map((w) => [w.rows, w.cols])).toEqual([
      [25, 6],
      [150, 16],
      [400, 120],
      [120, 84],
      [84, 10],
    ]);
    expect(lenet.map((w) => w.offset)).toEqual([0, 156, 2572, 50692, 60856]);
  });

  it("is part of the spec: validated, carried by the task's URI and covered by its commitment", () => {
    const spec = parseModelSpec({ ...mlp, encoding: { kind: "dct", keep: 4 } });
    expect(specFromUri(specToUri(spec))).toEqual(spec);
    const weights = new Float32Array(10);
    expect(modelCommitment(spec, weights)).not.toBe(
      modelCommitment({ ...spec, encoding: { kind: "dct", keep: 3 } }, weights),
    );
    expect(modelCommitment(spec, weights)).not.toBe(modelCommitment(mlp, weights));
    expect(() => parseModelSpec({ ...mlp, encoding: { kind: "dct", keep: 9 } })).toThrow(/at most 8/);
    expect(() => parseModelSpec({ ...mlp, inputShape: [64], encoding: { kind: "dct", keep: 2 } })).toThrow(/images/);
    expect(() => parseModelSpec({ ...mlp, encoding: { kind: "hash" } })).toThrow(/ratio/);
    // lowrank needs a kernel with both sides above 2r: the 64 x 5 and 5 x 3 kernels fit rank 2 but not 3.
    expect(parseModelSpec({ ...mlp, hidden: [6], encoding: { kind: "lowrank", rank: 2 } }).encoding).toEqual({
      kind: "lowrank",
      rank: 2,
    });
    expect(() => parseModelSpec({ ...mlp, hidden: [5], encoding: { kind: "lowrank", rank: 3 } })).toThrow(
      /lowrank:3 compresses no matrix of this model .*use a rank below 3/,
    );
    expect(parseModelSpec({ ...mlp, encoding: { kind: "hash", ratio: 4 } }).encoding).toEqual({
      kind: "hash",
      ratio: 4,
    });
  });

  it("plans the chain's paramCount from what the encoding sends, with the compressed defaults", () => {
    const plain = planTask(mlp, { maxCohort: 8 });
    expect(plain.codec.paramCount).toBe(plain.paramCount);
    expect(plain.codec.valueBits).toBe(TASK_DEFAULTS.valueBits);
    const spec = parseModelSpec({ ...mlp, encoding: { kind: "dct", keep: 3 } });
    const plan = planTask(spec, { maxCohort: 8, sampleCap: 100 });
    const encoding = taskEncoding(spec, plan.paramCount);
    expect(plan.codec.valueBits).toBe(ENCODED_DEFAULTS.valueBits);
    expect(plan.codec.clip).toBe(ENCODED_DEFAULTS.clip);
    expect(plan.codec.paramCount).toBe(encoding.paramCount(plan.codec));
    expect(plan.codec.paramCount).toBeLessThan(plan.paramCount);
    expect(() => checkTaskEncoding(encoding, layoutOf(plan.codec, 8))).not.toThrow();
    // Costs are per model parameter: compression shows in them.
    expect(plan.plan.gasPerParam).toBeLessThan(
      planTask(mlp, { maxCohort: 8, valueBits: 3, clip: 0.12 }).plan.gasPerParam / 2,
    );
    expect(() => checkTaskEncoding(taskEncoding(mlp, plan.paramCount), layoutOf(plan.codec, 8))).toThrow(
      /the model spec has \d+ parameters but the task expects/,
    );
  });

  it("gives a new lenet task lowrank:11 at 4-bit values and the other kinds today's codec unless --compress names one", () => {
    for (const kind of ["logreg", "mlp", "cnn"] as const) expect(newTaskEncoding(kind, undefined)).toBeUndefined();
    expect(newTaskEncoding("lenet", undefined)).toEqual(parseCompressFlag("lowrank:11"));
    expect(newTaskEncoding("lenet", undefined)).toEqual(DEFAULT_ENCODINGS.lenet);
    expect(newTaskEncoding("lenet", "none")).toEqual({ kind: "quant" });
    expect(newTaskEncoding("lenet", "lowrank:8")).toEqual({ kind: "lowrank", rank: 8, firstFactor: "downstream" });
    // With public records of the inputs, logreg and mlp take pca (keep from the words rule); lenet and cnn do not.
    for (const kind of ["logreg", "mlp"] as const)
      expect(newTaskEncoding(kind, undefined, true)).toEqual({ kind: "pca" });
    expect(newTaskEncoding("lenet", undefined, true)).toEqual(DEFAULT_ENCODINGS.lenet);
    expect(newTaskEncoding("cnn", undefined, true)).toBeUndefined();
    expect(newTaskEncoding("mlp", "none", true)).toEqual({ kind: "quant" });
    expect(codecDefaults("lowrank")).toEqual(FOUR_BIT_DEFAULTS);
    expect(codecDefaults("pca")).toEqual(FOUR_BIT_DEFAULTS);
    expect(codecDefaults("dct")).toEqual(ENCODED_DEFAULTS);
    expect(codecDefaults(undefined)).toEqual({ valueBits: TASK_DEFAULTS.valueBits, clip: TASK_DEFAULTS.clip });
    const plan = planTask(parseModelSpec({ ...LENET, encoding: newTaskEncoding("lenet", undefined) }), {
      maxCohort: 8,
    });
    expect([plan.codec.valueBits, plan.codec.clip]).toEqual([FOUR_BIT_DEFAULTS.valueBits, FOUR_BIT_DEFAULTS.clip]);
  });

  it("picks the lenet default by the words rule: the largest rank within a tenth of the 8-bit codec's words, cohorts 3-32", () => {
    const words = (rank: number | undefined, maxCohort: number) => {
      const encoding = rank === undefined ? undefined : parseCompressFlag(`lowrank:${rank}`);
      const choices = rank === undefined ? { valueBits: 8, clip: 0.1 } : {};
      return planTask(parseModelSpec({ ...LENET, encoding }), { maxCohort, ...choices }).plan.layout.wordCount;
    };
    const fits = (rank: number) => [3, 8, 16, 32].every((k) => words(rank, k) * 10 <= words(undefined, k));
    expect(DEFAULT_ENCODINGS.lenet).toMatchObject({ kind: "lowrank", rank: 11 });
    expect(fits(11)).toBe(true);
    expect(fits(12)).toBe(false);
  });

  it("picks pca's keep by the same words rule for any first dense layer, from the model's shape alone", () => {
    const mnist = parseModelSpec({ kind: "mlp", inputShape: [28, 28, 1], numClasses: 10, seed: 1, hidden: [32] });
    // At pca's default 4-bit values (FOUR_BIT_DEFAULTS); 130 at 3-bit values.
    expect(pcaKeepByWordsRule(mnist)).toBe(112);
    expect(pcaKeepByWordsRule(mnist, 3)).toBe(130);
    // The rule checked through the planner with a real pca task (any orthonormal basis: unit vectors), as the
    // lenet default above: 112 directions fit, 113 do not.
    const words = (keep: number | undefined, maxCohort: number) => {
      if (keep === undefined) return planTask(mnist, { maxCohort, valueBits: 8, clip: 0.1 }).plan.layout.wordCount;
      const rows = new Float64Array(keep * 784).map((_, i) => (i % 784 === Math.floor(i / 784) ? 1 : 0));
      const inputBasis = { keep, features: 784, rows };
      const spec = parseModelSpec({ ...mnist, encoding: withInputBasis({ kind: "pca", keep }, inputBasis) });
      return planTask(spec, { maxCohort }, { inputBasis }).plan.layout.wordCount;
    };
    const fits = (keep: number) => [3, 8, 16, 32].every((k) => words(keep, k) * 10 <= words(undefined, k));
    expect([fits(112), fits(113)]).toEqual([true, false]);
    expect(words(112, 8)).toBe(220);
    // 30 tabular features: the other layers leave room for 1 direction at 4 bits (2 at 3 bits).
    const records = parseModelSpec({ kind: "mlp", inputShape: [30], numClasses: 2, seed: 1, hidden: [32] });
    expect(pcaKeepByWordsRule(records)).toBe(1);
    expect(pcaKeepByWordsRule(records, 3)).toBe(2);
    const tiny = parseModelSpec({ kind: "mlp", inputShape: [30], numClasses: 2, seed: 1, hidden: [4, 64, 64] });
    expect(() => pcaKeepByWordsRule(tiny)).toThrow(/no pca keep sends a tenth of the 8-bit codec's words for this mlp/);
    expect(() => pcaKeepByWordsRule(LENET)).toThrow(/first dense layer of a logreg or mlp, not of a lenet/);
    // A bare "pca" flag leaves keep to the rule.
    expect(parseCompressFlag("pca")).toEqual({ kind: "pca" });
  });

  it("keeps the participant's residual with its state and uses it from the next round only", () => {
    const spec = parseModelSpec({ ...mlp, encoding: { kind: "hash", ratio: 4 } });
    const plan = planTask(spec, { maxCohort: 8 });
    const encoding = taskEncoding(spec, plan.paramCount);
    const state: Feedback = {};
    const delta = Array.from({ length: plan.paramCount }, (_, i) => Math.sin(i) * 0.05);
    const args = (round: number) => ({
      delta,
      layout: plan.plan.layout,
      ctx: { taskId: 1n, round, globalModelHash: HASH },
      samples: 10,
      dither: seededStream(HASH, "d"),
    });
    const first = encodeRound(encoding, state, args(1));
    expect(state.feedback?.round).toBe(1);
    expect(residualFromText(state.feedback!.residual)).toEqual(first.feedback);
    // Re-encoding round 1 (a restart before saving) starts from the same (empty) residual.
    expect(encodeRound(encoding, { ...state, feedback: undefined }, args(1)).chunks).toEqual(first.chunks);
    const again = encodeRound(encoding, { ...state }, args(1));
    expect(again.chunks).toEqual(first.chunks);
    const second = encodeRound(encoding, state, args(2));
    expect(second.chunks).not.toEqual(encodeRound(encoding, { ...state, feedback: undefined }, args(2)).chunks);
    const r = new Float32Array([1.5, -2.25, 3e-8]);
    expect(residualFromText(residualToText(r))).toEqual(r);
    // The text is what state files written with Node's Buffer hold, so old state files still resume.
    expect(residualToText(r)).toBe(Buffer.from(r.buffer).toString("base64"));
  });
});
