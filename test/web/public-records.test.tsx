// Node environment: ethers' keccak (the basis digest) rejects jsdom's typed arrays.
// The create form's pca basis: the page reads the owner's public records with the nodes' parser and
// split and gets the basis, keep and digest fl:create-task --public-data computes from the same file.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { inputBasisDigest } from "../../client/src/codec/inputBasis";
import { loadDataset } from "../../client/src/ml/registry";
import { loadBreastCancer } from "../../client/src/ml/sklearn";
import { parseModelSpec } from "../../client/src/protocol/modelSpec";
import { withPublicBasis } from "../../client/src/protocol/publicBasis";
import { compressText, encodingOf, followParam, choiceOf } from "../../web/src/encodingChoice";
import { readLocalFiles } from "../../web/src/participate/localData";
import { publicBasis } from "../../web/src/publicRecords";

const SPEC = parseModelSpec({ kind: "mlp", inputShape: [30], numClasses: 2, seed: 4, hidden: [32] });

/** 80 breast-cancer records as the owner's public CSV (label column "diagnosis" first). */
function publicCsv(): { file: string; text: string } {
  const all = loadBreastCancer();
  const f = all.numFeatures;
  const lines = [["diagnosis", ...Array.from({ length: f }, (_, j) => `f${j}`)].join(",")];
  for (let i = 0; i < 80; i++) lines.push([all.y[i], ...all.x.subarray(i * f, (i + 1) * f)].join(","));
  const text = lines.join("\n") + "\n";
  const file = path.join(mkdtempSync(path.join(tmpdir(), "flufhe-public-")), "public.csv");
  writeFileSync(file, text);
  return { file, text };
}

describe("the create form's public records", () => {
  const { file, text } = publicCsv();
  const picked = () => readLocalFiles([new File([text], "public.csv")]);

  it("give the basis, keep and digest fl:create-task --public-data computes from the same file", async () => {
    const records = { picked: await picked(), labelColumn: "diagnosis" };
    const retained: number[] = [];
    for (const encoding of [{ kind: "pca" as const }, { kind: "pca" as const, keep: 5 }]) {
      const page = publicBasis(SPEC, encoding, records);
      const sample = loadDataset(file, { seed: SPEC.seed, labelColumn: "diagnosis" }).train;
      const cli = withPublicBasis(encoding, sample, { flag: "--public-data", model: SPEC });
      expect(page.encoding).toEqual(cli.encoding);
      expect(Buffer.from(page.inputBasis.rows.buffer)).toEqual(Buffer.from(cli.inputBasis!.rows.buffer));
      expect(page.encoding.basis).toBe(inputBasisDigest(cli.inputBasis!));
      expect(page.records).toBe(sample.y.length);
      retained.push(page.retained);
    }
    // The share of the records' energy the directions hold: more directions, more of it.
    expect(retained[0]).toBeGreaterThan(0);
    expect(retained[1]).toBeGreaterThan(retained[0]);
    expect(retained[1]).toBeLessThanOrEqual(1);
  });

  it("say what is missing or wrong: no records, no label column, records of another shape", async () => {
    expect(() => publicBasis(SPEC, { kind: "pca" }, undefined)).toThrow(
      /^pca takes its input basis from public records of the task's inputs: load them under Public records/,
    );
    const records = { picked: await picked(), labelColumn: "" };
    expect(() => publicBasis(SPEC, { kind: "pca" }, records)).toThrow(
      /^choose the public records' label column \(diagnosis, f0, f1, /,
    );
    const wide = parseModelSpec({ ...SPEC, inputShape: [31] });
    expect(() => publicBasis(wide, { kind: "pca" }, { ...records, labelColumn: "diagnosis" })).toThrow(
      /^public records public.csv: the training data has samples of shape \[30\] .* the task's model expects \[31\]/,
    );
  });

  it("pca's keep is optional on the form: empty takes the words rule's, as a bare --compress pca", () => {
    const bare = { kind: "pca" as const, param: "", feedback: true };
    expect(compressText(bare)).toBe("pca");
    expect(encodingOf(bare).encoding).toEqual({ kind: "pca" });
    expect(compressText({ ...bare, param: "6" })).toBe("pca:6");
    expect(followParam("10", "dct", "pca")).toBe("");
    expect(followParam("", "pca", "dct")).toBe("10");
    expect(followParam("7", "pca", "randk")).toBe("7");
    expect(choiceOf({ kind: "pca" }).param).toBe("");
  });
});
