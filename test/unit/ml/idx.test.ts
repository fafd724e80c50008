import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeIdx, loadDataset, loadIdxPair, parseIdx, readIdxFile, type IdxArray } from "../../../client/src/ml";
import { tmpFile } from "./helpers";

const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 });
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** One arbitrary IDX array per element type, values representable in that type. */
const arrays: fc.Arbitrary<IdxArray>[] = [
  shapeArb.chain((s) => fc.uint8Array({ minLength: size(s), maxLength: size(s) }).map((data) => ({ shape: s, data }))),
  shapeArb.chain((s) => fc.int8Array({ minLength: size(s), maxLength: size(s) }).map((data) => ({ shape: s, data }))),
  shapeArb.chain((s) => fc.int16Array({ minLength: size(s), maxLength: size(s) }).map((data) => ({ shape: s, data }))),
  shapeArb.chain((s) => fc.int32Array({ minLength: size(s), maxLength: size(s) }).map((data) => ({ shape: s, data }))),
  shapeArb.chain((s) =>
    fc
      .float32Array({ minLength: size(s), maxLength: size(s), noDefaultInfinity: true, noNaN: true })
      .map((data) => ({ shape: s, data })),
  ),
  shapeArb.chain((s) =>
    fc.float64Array({ minLength: size(s), maxLength: size(s), noNaN: true }).map((data) => ({ shape: s, data })),
  ),
];

describe("IDX", () => {
  it("round-trips every element type bit for bit", () => {
    fc.assert(
      fc.property(fc.oneof(...arrays), (a) => {
        const back = parseIdx(encodeIdx(a));
        expect(back.shape).toEqual(a.shape);
        expect(back.data.constructor).toBe(a.data.constructor);
        expect(Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength)).toEqual(
          Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength),
        );
      }),
      { numRuns: 200 },
    );
  });

  it("writes the MNIST header layout (big-endian)", () => {
    const bytes = encodeIdx({ shape: [2, 1], data: new Int16Array(2) });
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0, 0x0b, 2]);
    expect(Array.from(encodeIdx({ shape: [1], data: new Int32Array([258]) }))).toEqual([
      0, 0, 0x0c, 1, 0, 0, 0, 1, 0, 0, 1, 2,
    ]);
  });

  it("keeps only `limit` items along the first axis", () => {
    const a = parseIdx(encodeIdx({ shape: [3, 2], data: Uint8Array.from([1, 2, 3, 4, 5, 6]) }), "f", 2);
    expect(a.shape).toEqual([2, 2]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4]);
  });

  it("rejects files that are not IDX", () => {
    expect(() => parseIdx(Buffer.from("hello world"), "x.idx")).toThrow(
      /^x\.idx: not a valid IDX file \(bad magic number\)/,
    );
    expect(() => parseIdx(Uint8Array.from([0, 0, 0x42, 1, 0, 0, 0, 1, 7]), "x.idx")).toThrow(/unknown type byte 66/);
    const truncated = encodeIdx({ shape: [4], data: new Int32Array(4) }).subarray(0, 12);
    expect(() => parseIdx(truncated, "x.idx")).toThrow(/needs 4 values of 4 byte\(s\), file is shorter/);
  });

  it("reads gzipped files", () => {
    const a: IdxArray = { shape: [2, 2], data: Float32Array.from([0.5, -1, 2, 3]) };
    const path = tmpFile("w-idx2.gz", gzipSync(encodeIdx(a)));
    expect(Array.from(readIdxFile(path).data)).toEqual([0.5, -1, 2, 3]);
  });
});

describe("IDX image/label pairs", () => {
  const images = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 20);
  const imagesPath = tmpFile("pair-images-idx3-ubyte", encodeIdx({ shape: [3, 2, 2], data: images }));
  const labelsPath = tmpFile("pair-labels-idx1-ubyte", encodeIdx({ shape: [3], data: Uint8Array.from([2, 0, 1]) }));

  it("scales bytes to [0, 1] and adds a channel axis", () => {
    const d = loadIdxPair(imagesPath, labelsPath);
    expect(d.featureShape).toEqual([2, 2, 1]);
    expect(d.numClasses).toBe(3);
    expect(Array.from(d.y)).toEqual([2, 0, 1]);
    expect(d.x[5]).toBeCloseTo(100 / 255, 6);
  });

  it("rejects mismatched and swapped files", () => {
    const short = tmpFile("short-labels-idx1-ubyte", encodeIdx({ shape: [2], data: Uint8Array.from([0, 1]) }));
    expect(() => loadIdxPair(imagesPath, short)).toThrow(/holds 3 images but .*short-labels-idx1-ubyte holds 2 labels/);
    expect(() => loadIdxPair(imagesPath, imagesPath)).toThrow(/labels must be a 1-D IDX file, got shape \[3,2,2\]/);
  });

  it("is found by path through the registry, guessing the labels file", () => {
    const { train, test } = loadDataset(imagesPath, { testFraction: 1 / 3, seed: 4 });
    expect(train.y.length + test.y.length).toBe(3);
    expect(test.y.length).toBe(1);
    expect(() => loadDataset(labelsPath)).toThrow(/cannot guess its labels file.*pass labelsPath/);
  });
});
