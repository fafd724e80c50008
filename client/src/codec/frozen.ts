/**
 * Partial training behind the encoding interface: a task whose spec freezes its first layers sends only
 * the parameters after them. The wrapped encoding sees the trained part of the flat weights as if it were
 * the whole model; decoding puts exact zeros where the frozen parameters are, so the next global model
 * keeps their committed values. Slicing commutes with the sum, so the aggregate stays linear.
 */
import type { EncodeArgs, EncodedUpdate, UpdateEncoding } from "./encoding";
import { CodecError } from "./errors";
import type { Layout } from "./layout";
import type { RoundContext } from "./sharedSeed";

/** values[from..]: a view for typed arrays, a copy otherwise. */
function tail(values: ArrayLike<number>, from: number): ArrayLike<number> {
  if (ArrayBuffer.isView(values)) return (values as unknown as Float32Array).subarray(from);
  return Array.from(values).slice(from);
}

class FrozenPrefixEncoding implements UpdateEncoding {
  readonly spec: UpdateEncoding["spec"];
  readonly name: string;
  readonly dimension: number;
  readonly feedback: boolean;
  readonly tracksModelChange: boolean;
  readonly needsFirstRoundModel: boolean;
  readonly modelDimension: number;

  constructor(
    /** The encoding of the trained parameters (its modelDimension: how many there are). */
    private readonly trained: UpdateEncoding,
    /** How many leading parameters are frozen. */
    private readonly frozen: number,
  ) {
    ({
      spec: this.spec,
      name: this.name,
      dimension: this.dimension,
      feedback: this.feedback,
      tracksModelChange: this.tracksModelChange,
      needsFirstRoundModel: this.needsFirstRoundModel,
    } = trained);
    this.modelDimension = frozen + trained.modelDimension;
  }

  paramCount(shape: Parameters<UpdateEncoding["paramCount"]>[0]): number {
    return this.trained.paramCount(shape);
  }

  checkLayout(layout: Layout): void {
    this.trained.checkLayout(layout);
  }

  checkContext(ctx: RoundContext): void {
    this.trained.checkContext(this.trainedContext(ctx));
  }

  encode(args: EncodeArgs): EncodedUpdate {
    if (args.delta.length !== this.modelDimension) {
      throw new CodecError(`update has ${args.delta.length} values but the task's model has ${this.modelDimension}`);
    }
    for (let i = 0; i < this.frozen; i++) {
      if (args.delta[i] !== 0) {
        throw new CodecError(
          `the update changes parameter ${i} (by ${args.delta[i]}), in a layer the task freezes (its first ${this.frozen} parameters): ` +
            "build the model from the task's spec, which marks those layers untrainable",
        );
      }
    }
    return this.trained.encode({ ...args, delta: tail(args.delta, this.frozen), ctx: this.trainedContext(args.ctx) });
  }

  decode(words: readonly bigint[], contributors: readonly number[], layout: Layout, ctx: RoundContext): Float64Array {
    const trained = this.trained.decode(words, contributors, layout, this.trainedContext(ctx));
    const delta = new Float64Array(this.modelDimension);
    delta.set(trained, this.frozen);
    return delta;
  }

  /** The round's context as the trained part sees it: the model and its last change without the frozen layers. */
  private trainedContext(ctx: RoundContext): RoundContext {
    return {
      ...ctx,
      model: ctx.model && tail(ctx.model, this.frozen),
      modelChange: ctx.modelChange && tail(ctx.modelChange, this.frozen),
    };
  }
}

/** `trained` applied to the parameters after the first `frozen` (0: `trained` itself). */
export function withFrozenPrefix(trained: UpdateEncoding, frozen: number): UpdateEncoding {
  if (!Number.isSafeInteger(frozen) || frozen < 0)
    throw new CodecError(`frozen parameters must be >= 0, got ${frozen}`);
  return frozen === 0 ? trained : new FrozenPrefixEncoding(trained, frozen);
}
