import { describe, expect, it } from "vitest";
import { loadCsvDataset, loadDataset, parseCsvDataset, type CsvDatasetOptions } from "../../../client/src/ml";
import { tmpFile } from "./helpers";

const parse = (text: string, labelColumn = "label", allowedLabels?: number[]) =>
  parseCsvDataset(text, "data.csv", { labelColumn, allowedLabels });
const parseWith = (text: string, opts: Partial<CsvDatasetOptions> = {}) =>
  parseCsvDataset(text, "data.csv", { labelColumn: "species", ...opts });

// A few rows of Fisher's iris data (public domain), labelled by class name as users export it.
const IRIS_HEADER = "sepal_length,sepal_width,petal_length,petal_width,species";
const IRIS = [
  "5.1,3.5,1.4,0.2,setosa",
  "7.0,3.2,4.7,1.4,versicolor",
  "6.3,3.3,6.0,2.5,virginica",
  "4.9,3.0,1.4,0.2,setosa",
  "6.4,3.2,4.5,1.5,versicolor",
  "5.8,2.7,5.1,1.9,virginica",
];
const iris = (rows: string[]) => [IRIS_HEADER, ...rows].join("\n") + "\n";
/** Class name of each sample, read back through the dataset's labelNames. */
const names = (d: { y: Int32Array; labelNames?: string[] }) => Array.from(d.y, (c) => d.labelNames?.[c]);

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

  it("rejects a file whose only column is the label, naming what is missing", () => {
    expect(() => parse("label\n0\n1\n")).toThrow(/data\.csv:1: the only column is the label "label"; .*feature column/);
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

  describe("class-name labels", () => {
    it("maps class names to indices in sorted order and returns the names", () => {
      const d = parseWith(iris(IRIS));
      expect(d.labelNames).toEqual(["setosa", "versicolor", "virginica"]);
      expect(Array.from(d.y)).toEqual([0, 1, 2, 0, 1, 2]);
      expect(d).toMatchObject({ numFeatures: 4, numClasses: 3, featureShape: [4] });
      expect(Array.from(d.x.subarray(0, 4))).toEqual([5.1, 3.5, 1.4, 0.2].map(Math.fround));
    });

    it("gives the same mapping whatever the row order", () => {
      const a = parseWith(iris(IRIS));
      const b = parseWith(iris([...IRIS].reverse()));
      expect(b.labelNames).toEqual(a.labelNames);
      expect(names(b)).toEqual(names(a).reverse());
      expect(Array.from(b.y)).toEqual(Array.from(a.y).reverse());
    });

    it("without a class list, a participant missing a class gets a different mapping", () => {
      // Why a task should carry its class list: sorting only the labels present is not enough.
      const full = parseWith(iris(IRIS));
      const partial = parseWith(iris(IRIS.filter((r) => !r.endsWith("versicolor"))));
      expect(partial.labelNames).toEqual(["setosa", "virginica"]);
      expect(partial.numClasses).toBe(2);
      expect(Array.from(partial.y)).toEqual([0, 1, 0, 1]); // virginica is 1 here, 2 in `full`
      expect(full.y[2]).toBe(2);
    });

    it("with an explicit class list, every participant gets the same mapping and class count", () => {
      const classNames = ["virginica", "setosa", "versicolor"]; // the task's order, not sorted
      const full = parseWith(iris(IRIS), { classNames });
      const partial = parseWith(iris(IRIS.filter((r) => !r.endsWith("versicolor"))), { classNames });
      for (const d of [full, partial]) {
        expect(d.labelNames).toEqual(classNames);
        expect(d.numClasses).toBe(3);
      }
      expect(Array.from(full.y)).toEqual([1, 2, 0, 1, 2, 0]);
      expect(Array.from(partial.y)).toEqual([1, 0, 1, 0]);
    });

    it("rejects a label outside the explicit class list, naming file, line and the allowed names", () => {
      const text = iris([IRIS[0], "5.0,3.4,1.5,0.2,Setosa"]);
      expect(() => parseWith(text, { classNames: ["setosa", "versicolor", "virginica"] })).toThrow(
        /^data\.csv:3: column "species" holds "Setosa", which is not one of the class names \[setosa, versicolor, virginica\]/,
      );
    });

    it("matches integer labels against an explicit class list as text", () => {
      const d = parse("a,label\n1,1\n2,0\n", "label");
      const named = parseCsvDataset("a,label\n1,1\n2,0\n", "data.csv", {
        labelColumn: "label",
        classNames: ["1", "0"],
      });
      expect(Array.from(d.y)).toEqual([1, 0]);
      expect(Array.from(named.y)).toEqual([0, 1]);
      expect(named.labelNames).toEqual(["1", "0"]);
    });

    it("keeps integer labels as class indices (no names) when no list is given", () => {
      const d = parse("a,label\n1,3\n2,0\n");
      expect(Array.from(d.y)).toEqual([3, 0]);
      expect(d.numClasses).toBe(4);
      expect(d.labelNames).toBeUndefined();
    });

    it("rejects labels that mix numbers and class names", () => {
      expect(() => parseWith(iris([IRIS[0], IRIS[1], "6.3,3.3,6.0,2.5,2"]))).toThrow(
        /^data\.csv:4: column "species" holds "2", a number, while line 2 holds the class name "setosa"; /,
      );
      expect(() => parse("a,label\n1,0\n2,setosa\n")).toThrow(
        /^data\.csv:3: column "label" holds "setosa", which is not a number, while line 2 holds the number "0"; /,
      );
    });

    it("rejects an empty label", () => {
      expect(() => parseWith(iris([IRIS[0], "6.3,3.3,6.0,2.5,"]))).toThrow(
        /^data\.csv:3: column "species" is empty; give every sample a label/,
      );
    });

    it("rejects a bad class list", () => {
      expect(() => parseWith(iris(IRIS), { classNames: [] })).toThrow(/classNames is empty/);
      expect(() => parseWith(iris(IRIS), { classNames: ["setosa", "setosa"] })).toThrow(
        /classNames lists "setosa" twice/,
      );
      expect(() => parseWith(iris(IRIS), { classNames: ["setosa"], allowedLabels: [0] })).toThrow(
        /pass either classNames or allowedLabels, not both/,
      );
    });

    it("keeps the class names through loadDataset's split", () => {
      const file = tmpFile("iris.csv", iris([...IRIS, ...IRIS]));
      const { train, test } = loadDataset(file, { labelColumn: "species", testFraction: 0.25 });
      expect(train.labelNames).toEqual(["setosa", "versicolor", "virginica"]);
      expect(test.labelNames).toEqual(["setosa", "versicolor", "virginica"]);
    });
  });

  describe("CSV as exported by spreadsheets", () => {
    it("reads quoted fields, including commas and numbers inside quotes", () => {
      const text =
        '"sepal length","petal, width",species\n' +
        '"5.1",0.2,"Iris setosa, wild"\n' +
        '7.0,"1.4","Iris versicolor"\n' +
        '" 6.3 ",2.5,"Iris ""virginica"""\n';
      const d = parseWith(text);
      expect(Array.from(d.x)).toEqual([5.1, 0.2, 7.0, 1.4, 6.3, 2.5].map(Math.fround));
      expect(d.labelNames).toEqual(['Iris "virginica"', "Iris setosa, wild", "Iris versicolor"]);
      expect(Array.from(d.y)).toEqual([1, 2, 0]);
      expect(() => parseWith(text, { labelColumn: "petal" })).toThrow(
        /no column named "petal" in the header \(columns: sepal length, petal, width, species\)/,
      );
    });

    it("ignores a UTF-8 byte-order mark", () => {
      const d = parseWith("\uFEFFspecies,a\nsetosa,1\nvirginica,2\n");
      expect(d.labelNames).toEqual(["setosa", "virginica"]);
      expect(Array.from(d.x)).toEqual([1, 2]);
    });

    it("reads CRLF line endings and blank trailing lines, counting lines right", () => {
      const d = parseWith(iris(IRIS).replace(/\n/g, "\r\n") + "\r\n  \r\n\r\n");
      expect(d.labelNames).toEqual(["setosa", "versicolor", "virginica"]);
      expect(d.y.length).toBe(6);
      expect(() => parseWith("a,species\r\n1,setosa\r\n\r\nx,setosa\r\n")).toThrow(
        /^data\.csv:4: column "a" holds "x", which is not a number/,
      );
    });

    it("counts the lines inside a quoted multi-line field", () => {
      expect(() => parse('a,label\n"1\n",0\n2,0\n3,x\n')).toThrow(/^data\.csv:5: column "label" holds "x"/);
    });

    it("rejects an unterminated quote, naming the line", () => {
      expect(() => parse('a,label\n1,0\n"2,0\n3,1\n')).toThrow(/^data\.csv:3: a quoted field is never closed/);
    });

    it("reads a spreadsheet export from disk (BOM, CRLF, quotes, trailing blank lines)", () => {
      const text = ["\uFEFF" + IRIS_HEADER, ...IRIS.map((r) => r.replace(/([a-z]+)$/, '"$1"')), "", ""].join("\r\n");
      const file = tmpFile("export.csv", Buffer.from(text, "utf8"));
      const d = loadCsvDataset(file, { labelColumn: "species" });
      expect(d.labelNames).toEqual(["setosa", "versicolor", "virginica"]);
      expect(Array.from(d.y)).toEqual([0, 1, 2, 0, 1, 2]);
      const bad = tmpFile("export-bad.csv", Buffer.from(text.replace('"virginica"', '"iris"'), "utf8"));
      expect(() =>
        loadCsvDataset(bad, { labelColumn: "species", classNames: ["setosa", "versicolor", "virginica"] }),
      ).toThrow(
        `${bad}:4: column "species" holds "iris", which is not one of the class names [setosa, versicolor, virginica]`,
      );
    });
  });
});
