import { describe, expect, it } from "vitest";
import { loadCsvDataset, parseCsvDataset } from "../../../client/src/ml";
import { tmpFile } from "./helpers";

const parse = (text: string, labelColumn = "label", allowedLabels?: number[]) =>
  parseCsvDataset(text, "data.csv", { labelColumn, allowedLabels });

describe("CSV dataset", () => {
  it("parses features and labels, whatever the label column's position", () => {
    const d = parse("a,label,b\n1,0,2\n3.5,1,-4e-1\n");
    expect(Array.from(d.x)).toEqual([1, 2, 3.5, Math.fround(-0.4)]);
    expect(Array.from(d.y)).toEqual([0, 1]);
    expect(d).toMatchObject({ numFeatures: 2, numClasses: 2, featureShape: [2] });
  });

  it("maps allowed labels to their position in the list", () => {
    const d = parse("x,label\n1,4\n2,2\n", "label", [2, 4]);
    expect(Array.from(d.y)).toEqual([1, 0]);
    expect(d.numClasses).toBe(2);
  });

  it("rejects an empty file", () => {
    expect(() => parse("")).toThrow(/^data\.csv: the file is empty; it needs a header line/);
    expect(() => parse("\n  \n")).toThrow(/data\.csv: the file is empty/);
  });

  it("rejects a header without data lines", () => {
    expect(() => parse("a,label\n")).toThrow(/data\.csv: the header has no data lines after it/);
  });

  it("rejects a line with the wrong column count, naming the line", () => {
    expect(() => parse("a,b,label\n1,2,0\n1,2\n")).toThrow(
      /^data\.csv:3: expected 3 comma-separated values, found 2; give every line exactly one value per column$/,
    );
  });

  it("rejects a non-numeric cell, naming line and column", () => {
    expect(() => parse("a,b,label\n1,abc,0\n")).toThrow(/^data\.csv:2: column "b" holds "abc", which is not a number/);
    expect(() => parse("a,b,label\n1,,0\n")).toThrow(/data\.csv:2: column "b" holds ""/);
  });

  it("counts blank lines when reporting line numbers", () => {
    expect(() => parse("a,label\n\n1,0\n2,x\n")).toThrow(/^data\.csv:4: column "label" holds "x"/);
  });

  it("rejects an unknown label column and lists the real ones", () => {
    expect(() => parse("a,b,label\n1,2,0\n", "target")).toThrow(
      /^data\.csv:1: no column named "target" in the header \(columns: a, b, label\); pass one of these/,
    );
  });

  it("rejects a label outside the allowed set", () => {
    expect(() => parse("a,label\n1,0\n2,7\n", "label", [0, 1])).toThrow(
      /^data\.csv:3: label 7 is not one of the allowed labels \[0, 1\]; fix the label or widen the allowed set$/,
    );
  });

  it("rejects a label that is not a class index when no set is given", () => {
    expect(() => parse("a,label\n1,0.5\n")).toThrow(/^data\.csv:2: label 0\.5 is not a non-negative integer/);
    expect(() => parse("a,label\n1,-1\n")).toThrow(/data\.csv:2: label -1 is not a non-negative integer/);
  });

  it("reads from disk and names the real path in errors", () => {
    const ok = tmpFile("ok.csv", "f1,f2,y\r\n0.5,1,1\r\n0.25,2,0\r\n");
    expect(Array.from(loadCsvDataset(ok, { labelColumn: "y" }).y)).toEqual([1, 0]);
    const bad = tmpFile("bad.csv", "f1,y\n1,0\n1;2\n");
    expect(() => loadCsvDataset(bad, { labelColumn: "y" })).toThrow(`${bad}:3: expected 2`);
    expect(() => loadCsvDataset(`${bad}.missing`, { labelColumn: "y" })).toThrow(/bad\.csv\.missing: file not found/);
  });
});
