import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend, mulberry32 } from "../../../client/src/ml";

type Pad = "same" | "valid" | number | tf.backend_util.ExplicitPadding;

interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
}

const cases: Case[] = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: "same" },
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 2, pad: "same" },
  { x: [2, 8, 8, 3], filter: [4, 4, 3, 2], strides: 2, pad: "same" }, // asymmetric padding
  { x: [3, 6, 6, 4], filter: [1, 1, 4, 3], strides: 2, pad: "same" },
  { x: [2, 8, 9, 2], filter: [3, 2, 2, 5], strides: [2, 3], pad: "valid" },
  { x: [1, 9, 9, 1], filter: [5, 5, 1, 2], strides: 3, pad: "valid" },
  { x: [4, 5, 5, 2], filter: [2, 2, 2, 3], strides: 1, pad: "valid" },
  { x: [2, 3, 7, 7], filter: [3, 3, 3, 4], strides: 2, pad: "same", dataFormat: "NCHW" },
  { x: [2, 8, 8, 2], filter: [3, 3, 2, 2], strides: 2, pad: 1, dimRoundingMode: "ceil" }, // last window past the padding
  {
    x: [1, 6, 6, 2],
    filter: [3, 3, 2, 3],
    strides: 2,
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
];

const rng = mulberry32(2024);
const random = (shape: number[]) =>
  Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng() * 2 - 1);

/** dy's shape for a case, from the forward convolution's geometry. */
function dyShape(c: Case): number[] {
  const info = tf.backend_util.computeConv2DInfo(
    c.x,
    c.filter,
    c.strides,
    1,
    c.pad,
    c.dimRoundingMode,
    false,
    c.dataFormat === "NCHW" ? "channelsFirst" : "channelsLast",
  );
  return info.outShape;
}

/** Runs the kernel directly (tfjs exports no public op for it). */
function backpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, c: Omit<Case, "x">): tf.Tensor4D {
  const { filter: filterShape, strides, pad, dataFormat = "NHWC", dimRoundingMode } = c;
  const attrs = { filterShape, strides, pad, dataFormat, dimRoundingMode };
  return tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/** The filter gradient on `backend`, both through the op and through tf.grad of conv2d where it applies. */
async function filterGrads(backend: string, c: Case, x: Float32Array, dy: Float32Array, w: Float32Array) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, c.x);
    const dyt = tf.tensor4d(dy, dyShape(c) as [number, number, number, number]);
    const direct = backpropFilter(xt, dyt, c);
    const viaGrad =
      c.dataFormat === "NCHW" || c.dimRoundingMode
        ? null
        : tf.grad((f) => tf.sum(tf.mul(tf.conv2d(xt, f as tf.Tensor4D, c.strides, c.pad), dyt)))(
            tf.tensor4d(w, c.filter),
          );
    return { direct: direct.dataSync().slice(), viaGrad: viaGrad?.dataSync().slice() };
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

beforeAll(async () => {
  expect(await initBackend("wasm", () => {})).toBe("wasm");
});

describe("wasm Conv2DBackpropFilter", () => {
  it("is registered", () => {
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeDefined();
  });

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))("matches the cpu gradient: %s", async (_, c) => {
    const x = random(c.x);
    const dy = random(dyShape(c));
    const w = random(c.filter);
    const cpu = await filterGrads("cpu", c, x, dy, w);
    const wasm = await filterGrads("wasm", c, x, dy, w);
    const scale = Math.max(1, ...Array.from(cpu.direct, Math.abs));
    expect(maxAbsDiff(wasm.direct, cpu.direct) / scale).toBeLessThan(1e-5);
    if (cpu.viaGrad && wasm.viaGrad) expect(maxAbsDiff(wasm.viaGrad, cpu.viaGrad) / scale).toBeLessThan(1e-5);
    expect(Array.from(cpu.direct).some((v) => Math.abs(v) > 1e-3)).toBe(true);
  });

  it("does not leak tensors", () => {
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([2, 6, 6, 2]) as tf.Tensor4D;
    const dy = tf.randomNormal([2, 3, 3, 4]) as tf.Tensor4D;
    backpropFilter(x, dy, { filter: [3, 3, 2, 4], strides: 2, pad: "same" }).dispose();
    tf.dispose([x, dy]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
