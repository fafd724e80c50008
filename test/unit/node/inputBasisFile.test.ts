import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { inputBasisDigest, principalInputBasis } from "../../../client/src/codec/inputBasis";
import { findInputBasis, saveInputBasis } from "../../../client/src/node/inputBasisFile";
import { basisFromSample, withPublicBasis } from "../../../client/src/protocol/publicBasis";
import { parseModelSpec } from "../../../client/src/protocol/modelSpec";
import { ModelDirectory } from "../../../client/src/node/modelStore";
import type { Dataset } from "../../../client/src/ml/dataset";

const x = Float32Array.from({ length: 40 * 6 }, (_, i) => Math.sin(i * 0.7) + (i % 6) * 0.1);
const BASIS = principalInputBasis(x, 40, 6, 2).basis;
const DIGEST = inputBasisDigest(BASIS);

describe("input basis files", () => {
  it("are saved under their digest and found there, bit for bit", async () => {
    const dir = new ModelDirectory(mkdtempSync(path.join(tmpdir(), "flufhe-basis-")));
    expect(saveInputBasis(dir, BASIS)).toBe(dir.path(DIGEST));
    const found = await findInputBasis([dir], DIGEST);
    expect(Buffer.from(found.rows.buffer)).toEqual(Buffer.from(BASIS.rows.buffer));
    expect([found.keep, found.features]).toEqual([2, 6]);
  });

  it("skip a file that does not hash to the digest and say where they looked and what to pass", async () => {
    const empty = new ModelDirectory(mkdtempSync(path.join(tmpdir(), "flufhe-basis-")));
    const forged = new ModelDirectory(mkdtempSync(path.join(tmpdir(), "flufhe-basis-")));
    const rows = Array.from(BASIS.rows, (v, i) => (i === 0 ? v + 1e-9 : v));
    writeFileSync(forged.path(DIGEST), JSON.stringify({ digest: DIGEST, inputBasis: { keep: 2, features: 6, rows } }));
    const broken = new ModelDirectory(mkdtempSync(path.join(tmpdir(), "flufhe-basis-")));
    writeFileSync(broken.path(DIGEST), JSON.stringify({ weights: [1, 2] }));
    await expect(findInputBasis([empty, forged, broken], DIGEST)).rejects.toThrow(
      new RegExp(
        `no model source has the task's public input basis ${DIGEST} .*\\(not an input basis file .*\\), .*` +
          `holds the basis 0x[0-9a-f]{64}, not the task's ${DIGEST}: ignored\\), .*\\(not an input basis file .*\\)\\. ` +
          ".*pass --models <dir\\|url>",
      ),
    );
  });

  it("complete a new task's pca encoding: keep from the words rule when the flag gave none, the basis' digest", () => {
    const records = Float32Array.from({ length: 50 * 30 }, (_, i) => Math.cos(i * 0.37) * ((i % 30) + 1));
    const sample = { x: records, y: new Int32Array(50), numFeatures: 30, numClasses: 2, featureShape: [30] } as Dataset;
    const model = parseModelSpec({ kind: "mlp", inputShape: [30], numClasses: 2, seed: 1, hidden: [32] });
    const o = { flag: "--public-share <fraction>", model };
    const { encoding, inputBasis } = withPublicBasis({ kind: "pca" }, sample, o);
    expect(encoding).toEqual({ kind: "pca", keep: 1, basis: inputBasisDigest(inputBasis!) });
    expect(withPublicBasis({ kind: "pca", keep: 5 }, sample, o).inputBasis?.keep).toBe(5);
    expect(withPublicBasis({ kind: "hash", ratio: 4 }, undefined, o)).toEqual({ encoding: { kind: "hash", ratio: 4 } });
    // A model whose later layers alone exceed the words rule: an explicit pca is refused, the default falls back.
    const wide = parseModelSpec({ ...model, hidden: [4, 64, 64] });
    expect(() => withPublicBasis({ kind: "pca" }, sample, { ...o, model: wide })).toThrow(/no pca keep sends a tenth/);
    const fallback = withPublicBasis({ kind: "pca" }, sample, { ...o, model: wide, byDefault: true });
    expect(fallback.encoding).toBeUndefined();
    expect(fallback.inputBasis).toBeUndefined();
    expect(fallback.unfit).toMatch(/^no pca keep sends a tenth of the 8-bit codec's words for this mlp/);
    expect(() => withPublicBasis({ kind: "pca" }, undefined, o)).toThrow(
      "pca takes its input basis from a public sample: add --public-share <fraction>",
    );
  });

  it("are computed from a public sample's inputs, and an empty sample is refused", () => {
    const sample = { x, y: new Int32Array(40), numFeatures: 6, numClasses: 2, featureShape: [6] } as Dataset;
    expect(inputBasisDigest(basisFromSample(sample, 2).basis)).toBe(DIGEST);
    const none = { ...sample, x: new Float32Array(0), y: new Int32Array(0) };
    expect(() => basisFromSample(none, 2)).toThrow(/public sample is empty/);
  });
});
