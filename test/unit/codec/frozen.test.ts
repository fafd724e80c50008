import { describe, expect, it } from "vitest";
import { createEncoding, parseCompressFlag } from "../../../client/src/codec/encoding";
import { withFrozenPrefix } from "../../../client/src/codec/frozen";
import { layoutOf } from "../../../client/src/codec/layout";
import { seededStream, type RoundContext } from "../../../client/src/codec/sharedSeed";
import { taskEncoding } from "../../../client/src/node/encoding";
import { planTask } from "../../../client/src/node/planTask";
import {
  modelCommitment,
  parseModelSpec,
  specFromUri,
  specToUri,
  type ModelSpec,
} from "../../../client/src/protocol/modelSpec";
import {
  frozenParamCount,
  paramCountOf,
  trainedMatrices,
  weightMatrices,
} from "../../../client/src/protocol/weightShapes";

const HASH = "0x" + "5e".repeat(32);
const lenet: ModelSpec = { kind: "lenet", inputShape: [28, 28, 1], numClasses: 10, seed: 1 };
const mlp: ModelSpec = { kind: "mlp", inputShape: [8, 8, 1], numClasses: 3, hidden: [12, 6], seed: 2 };

/** A delta that moves only the trained parameters, from a seed. */
function trainedDelta(d: number, frozen: number, seed: string): Float64Array {
  const rng = seededStream(HASH, seed);
  return Float64Array.from({ length: d }, (_, i) => (i < frozen ? 0 : (rng() - 0.5) * 0.2));
}

function layoutFor(spec: ModelSpec, maxCohort = 4) {
  const plan = planTask(spec, { maxCohort });
  return { plan, layout: layoutOf(plan.codec, maxCohort) };
}

describe("partial training: frozenLayers in the spec", () => {
  it("validates the count against the model's layers and keeps dct off a frozen first layer", () => {
    expect(parseModelSpec({ ...lenet, frozenLayers: 4 }).frozenLayers).toBe(4);
    for (const bad of [0, 5, 1.5, "2"]) {
      expect(() => parseModelSpec({ ...lenet, frozenLayers: bad })).toThrow(
        /frozenLayers must be an integer in \[1, 4\]: this lenet has 5 layers with weights/,
      );
    }
    expect(() => parseModelSpec({ ...mlp, frozenLayers: 1, encoding: { kind: "dct", keep: 4 } })).toThrow(
      /dct compresses the first dense layer, which frozenLayers freezes/,
    );
    // lowrank must fit a matrix that trains: LeNet's dense kernels are frozen with 4 layers, its 84 x 10 head is too narrow.
    expect(() => parseModelSpec({ ...lenet, frozenLayers: 4, encoding: parseCompressFlag("lowrank:8") })).toThrow(
      /lowrank:8 compresses no matrix of this model/,
    );
    const spec = parseModelSpec({ ...lenet, frozenLayers: 2 });
    expect(specFromUri(specToUri(spec))).toEqual(spec);
    const weights = new Float32Array(3);
    expect(modelCommitment(spec, weights)).not.toBe(modelCommitment(lenet, weights));
  });

  it("counts the frozen parameters and shifts the trained kernels to the trained part", () => {
    // conv1 5*5*1*6+6 = 156, conv2 5*5*6*16+16 = 2,416
    expect(frozenParamCount({ ...lenet, frozenLayers: 2 })).toBe(156 + 2416);
    expect(frozenParamCount(lenet)).toBe(0);
    const all = weightMatrices(lenet);
    expect(trainedMatrices({ ...lenet, frozenLayers: 2 })).toEqual(
      all.slice(2).map((m) => ({ ...m, offset: m.offset - 2572 })),
    );
  });

  it("puts only the trained parameters on chain", () => {
    const whole = planTask(lenet, { maxCohort: 4 });
    const head = planTask(parseModelSpec({ ...lenet, frozenLayers: 3 }), { maxCohort: 4 });
    // Frozen: conv1, conv2 and the 400 x 120 dense layer; trained: 120 x 84 + 84 and 84 x 10 + 10.
    expect(head.paramCount).toBe(61_706);
    expect(head.codec.paramCount).toBe(120 * 84 + 84 + 84 * 10 + 10);
    expect(head.plan.layout.wordCount * 5).toBeLessThan(whole.plan.layout.wordCount);
  });
});

describe("partial training: the encoding of the trained part", () => {
  const cases: [string, ModelSpec][] = [
    ["today's codec", { ...mlp, frozenLayers: 1 }],
    ["hash", { ...mlp, frozenLayers: 1, encoding: { kind: "hash", ratio: 3 } }],
    ["lowrank", { ...lenet, frozenLayers: 2, encoding: parseCompressFlag("lowrank:6") }],
  ];

  it.each(cases)(
    "%s: encodes and decodes as the trained part alone; frozen coordinates decode to exact zeros",
    (_, spec) => {
      const d = paramCountOf(spec);
      const frozen = frozenParamCount(spec);
      const { layout } = layoutFor(spec);
      const encoding = taskEncoding(spec, d);
      expect(encoding.modelDimension).toBe(d);
      const alone = createEncoding(spec.encoding ?? { kind: "quant" }, {
        paramCount: d - frozen,
        matrices: trainedMatrices(spec),
      });
      expect(encoding.dimension).toBe(alone.dimension);
      const model = Float32Array.from(trainedDelta(d, 0, "model"));
      const change = Float32Array.from(trainedDelta(d, 0, "change"));
      const round = (r: number): RoundContext => ({
        taskId: 3n,
        round: r,
        globalModelHash: HASH,
        model,
        modelChange: change,
      });
      const tailCtx = (r: number): RoundContext => ({
        ...round(r),
        model: model.subarray(frozen),
        modelChange: change.subarray(frozen),
      });
      for (const r of [1, 2]) {
        const deltas = [0, 1, 2].map((i) => trainedDelta(d, frozen, `p${i}r${r}`));
        const chunks = deltas.map((delta, i) => {
          const args = { layout, samples: 10, dither: seededStream(HASH, `dither${i}`) };
          const framed = encoding.encode({ ...args, delta, ctx: round(r) }).chunks;
          const direct = alone.encode({
            ...args,
            delta: delta.subarray(frozen),
            ctx: tailCtx(r),
            dither: seededStream(HASH, `dither${i}`),
          }).chunks;
          expect(framed).toEqual(direct);
          return framed.flat();
        });
        const sums = chunks[0].map((_, w) => chunks.reduce((s, c) => s + c[w], 0n));
        const contributors = Array.from({ length: layout.chunkCount }, () => 3);
        const decoded = encoding.decode(sums, contributors, layout, round(r));
        expect(decoded.length).toBe(d);
        expect(decoded.subarray(0, frozen).every((v) => v === 0)).toBe(true);
        expect(Array.from(decoded.subarray(frozen))).toEqual(
          Array.from(alone.decode(sums, contributors, layout, tailCtx(r))),
        );
      }
    },
  );

  it("refuses an update that moves a frozen parameter, saying how to build the model", () => {
    const spec = { ...mlp, frozenLayers: 1 };
    const d = paramCountOf(spec);
    const { layout } = layoutFor(spec);
    const delta = trainedDelta(d, frozenParamCount(spec), "x");
    delta[3] = 1e-3;
    expect(() =>
      taskEncoding(spec, d).encode({ delta, layout, samples: 1, ctx: { taskId: 1n, round: 1, globalModelHash: HASH } }),
    ).toThrow(/changes parameter 3 \(by 0.001\), in a layer the task freezes .*build the model from the task.s spec/);
    expect(() => withFrozenPrefix(taskEncoding(mlp, d), -1)).toThrow(/frozen parameters must be >= 0/);
    const whole = taskEncoding(mlp, d);
    expect(withFrozenPrefix(whole, 0)).toBe(whole);
  });
});
