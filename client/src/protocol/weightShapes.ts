/**
 * The shapes of a model's weight tensors in the order of its flat weight vector (kernel then bias,
 * layer by layer), from the spec alone: encodings plan with them where tfjs is not loaded (the web
 * form, the chain tasks). ml/models.ts builds the same layers; a unit test holds the two together.
 */
import { DEFAULT_HIDDEN } from "./modelKinds";
import type { ModelSpec } from "./modelSpec";

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Kernel [inputs, units] and bias [units] of a dense layer. */
const dense = (inputs: number, units: number): number[][] => [[inputs, units], [units]];

/** Kernel [k, k, channels, filters] and bias [filters] of a conv layer. */
const conv = (k: number, channels: number, filters: number): number[][] => [[k, k, channels, filters], [filters]];

/** 2 x 2 max pooling, stride 2, "valid" (tfjs's default): floor(side / 2). */
const pooled = (side: number): number => Math.floor(side / 2);

export function weightShapes(spec: ModelSpec): number[][] {
  const hidden = spec.hidden ?? DEFAULT_HIDDEN[spec.kind];
  const shapes: number[][] = [];
  let features = product(spec.inputShape);
  if (spec.kind === "mlp") {
    for (const units of hidden) {
      shapes.push(...dense(features, units));
      features = units;
    }
  } else if (spec.kind === "cnn" || spec.kind === "lenet") {
    let [height, width, channels] = spec.inputShape;
    const block = (k: number, filters: number, same: boolean): void => {
      shapes.push(...conv(k, channels, filters));
      if (!same) [height, width] = [height - k + 1, width - k + 1];
      [height, width, channels] = [pooled(height), pooled(width), filters];
    };
    if (spec.kind === "cnn") for (const filters of hidden) block(3, filters, true);
    else {
      block(5, 6, true);
      block(5, 16, false);
    }
    features = height * width * channels;
    if (spec.kind === "lenet") {
      for (const units of [120, 84]) {
        shapes.push(...dense(features, units));
        features = units;
      }
    }
  }
  shapes.push(...dense(features, spec.numClasses));
  return shapes;
}

/** The spec's model size from its weight shapes alone (no tfjs); a compressed or frozen task's chain codec counts sent values instead. */
export const paramCountOf = (spec: ModelSpec): number => weightShapes(spec).reduce((n, shape) => n + product(shape), 0);

/** Every kernel as a matrix of the flat weights: [..., inputs, outputs] read as (product of all but the last) x last. */
export function weightMatrices(spec: ModelSpec): { offset: number; rows: number; cols: number }[] {
  const out: { offset: number; rows: number; cols: number }[] = [];
  let offset = 0;
  for (const shape of weightShapes(spec)) {
    if (shape.length >= 2) out.push({ offset, rows: product(shape.slice(0, -1)), cols: shape[shape.length - 1] });
    offset += product(shape);
  }
  return out;
}

/** Parameters in the spec's frozen layers (frozenLayers): the flat weights' leading ones, never trained or sent. */
export function frozenParamCount(spec: ModelSpec): number {
  const layerTensors = 2 * (spec.frozenLayers ?? 0); // a kernel and a bias per layer
  return weightShapes(spec)
    .slice(0, layerTensors)
    .reduce((n, shape) => n + product(shape), 0);
}

/** What a spec's partial training keeps, for logs: "" or ", the first 2 layers frozen (2,572 parameters kept, not sent)". */
export function describeFrozen(spec: ModelSpec): string {
  if (!spec.frozenLayers) return "";
  const n = spec.frozenLayers;
  return `, the first ${n} layer${n === 1 ? "" : "s"} frozen (${frozenParamCount(spec).toLocaleString("en-US")} parameters kept, not sent)`;
}

/** The kernels of the layers that train, with offsets into the trained part (the flat weights after the frozen ones). */
export function trainedMatrices(spec: ModelSpec): { offset: number; rows: number; cols: number }[] {
  const frozen = frozenParamCount(spec);
  return weightMatrices(spec)
    .filter((m) => m.offset >= frozen)
    .map((m) => ({ ...m, offset: m.offset - frozen }));
}
