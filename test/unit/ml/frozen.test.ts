import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../client/src/ml/backend";
import type { Dataset } from "../../../client/src/ml/dataset";
import { trainLocalPrivately } from "../../../client/src/ml/dpTrain";
import {
  buildModel,
  getFlatWeights,
  parameterCount,
  setFlatWeights,
  type ModelSpec,
} from "../../../client/src/ml/models";
import { mulberry32 } from "../../../client/src/ml/rng";
import { trainLocal } from "../../../client/src/ml/train";
import { frozenParamCount } from "../../../client/src/protocol/weightShapes";

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** n samples of `shape` with labels from a fixed rule, so training moves every trained layer. */
function data(n: number, shape: number[], classes: number, seed: number): Dataset {
  const rng = mulberry32(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: n * size }, () => rng());
  const y = Int32Array.from({ length: n }, (_, i) => Math.floor(x[i * size] * classes) % classes);
  return { x, y, numFeatures: size, numClasses: classes, featureShape: shape };
}

const mlp: ModelSpec = { kind: "mlp", inputShape: [6], numClasses: 3, hidden: [5, 4], seed: 1 };
const cnn: ModelSpec = { kind: "cnn", inputShape: [6, 6, 1], numClasses: 3, hidden: [2, 3], seed: 1 };

beforeAll(async () => {
  await initBackend("wasm", () => {});
});

describe("frozen layers", () => {
  it.each([mlp, cnn, { kind: "lenet", inputShape: [28, 28, 1], numClasses: 10, seed: 1 } as ModelSpec])(
    "$kind: the same initial weights in the same order, with the first layers untrainable",
    (spec) => {
      const whole = buildModel(spec);
      const frozen = buildModel({ ...spec, frozenLayers: 2 });
      expect(bytes(getFlatWeights(frozen))).toEqual(bytes(getFlatWeights(whole)));
      const trainable = frozen.layers.filter((l) => l.weights.length > 0).map((l) => l.trainable);
      expect(trainable.slice(0, 2)).toEqual([false, false]);
      expect(trainable.slice(2).every(Boolean)).toBe(true);
      // Set and read back in the protocol's order, though tfjs lists the trainable weights first.
      const rng = mulberry32(3);
      const flat = Float32Array.from({ length: parameterCount(frozen) }, () => rng() - 0.5);
      setFlatWeights(frozen, flat);
      expect(bytes(getFlatWeights(frozen))).toEqual(bytes(flat));
      expect(
        Array.from(
          frozen.layers
            .find((l) => l.weights.length > 0)!
            .getWeights()[0]
            .dataSync(),
        ),
      ).toEqual(Array.from(flat.subarray(0, frozen.layers.find((l) => l.weights.length > 0)!.getWeights()[0].size)));
    },
  );

  it("trainLocal leaves the frozen parameters exactly as they were and trains the others", () => {
    for (const spec of [mlp, cnn]) {
      const model = buildModel({ ...spec, frozenLayers: 1 });
      const before = getFlatWeights(model);
      trainLocal(model, data(40, spec.inputShape, 3, 5), { epochs: 2, batchSize: 8, learningRate: 0.5, seed: 1 });
      const after = getFlatWeights(model);
      const frozen = frozenParamCount({ ...spec, frozenLayers: 1 });
      expect(bytes(after.subarray(0, frozen))).toEqual(bytes(before.subarray(0, frozen)));
      expect(after.subarray(frozen).some((w, i) => w !== before[frozen + i])).toBe(true);
    }
  });

  it("DP-SGD (the dense fast path and the per-example fallback) leaves them too", () => {
    const privacy = { clipNorm: 1, noiseMultiplier: 1, samplingRate: 0.5, steps: 3, insecureSeed: 7 };
    for (const spec of [mlp, cnn]) {
      const model = buildModel({ ...spec, frozenLayers: 2 });
      const before = getFlatWeights(model);
      trainLocalPrivately(model, data(20, spec.inputShape, 3, 6), { learningRate: 0.5, privacy });
      const after = getFlatWeights(model);
      const frozen = frozenParamCount({ ...spec, frozenLayers: 2 });
      expect(bytes(after.subarray(0, frozen))).toEqual(bytes(before.subarray(0, frozen)));
      expect(after.subarray(frozen).some((w, i) => w !== before[frozen + i])).toBe(true);
    }
  });
});
