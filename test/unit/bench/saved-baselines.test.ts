import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseSavedBaselines, readSavedBaselines } from "../../../scripts/lib/saved-baselines";

const settings = { dataset: "mnist", model: "lenet", rounds: 2, seed: 1, parameters: 61706 };
const codec = { name: "quant-8b", valueBits: 8, clip: 0.1 };
const run = {
  reference: { accuracy: 0.9, accuracies: [0.8, 0.9] },
  configs: [
    { name: "quant-8b", valueBits: 8, clip: 0.1, accuracies: [0.79, 0.91] },
    { name: "lowrank:8-3b-c0.18", valueBits: 3, clip: 0.18, accuracies: [0.5, 0.7] },
  ],
  settings,
};
// What a saved bench log looks like: progress on stderr, the table, the JSON line, then whatever the shell added.
const output = ["[bench:learning] reference round 1: 80.00%", "best: lowrank:8", JSON.stringify(run), "rc 0"].join(
  "\n",
);

describe("saved baselines (bench:learning --baselines-from)", () => {
  it("reads the reference's and the 8-bit codec's accuracies from the last JSON line", () => {
    expect(parseSavedBaselines(output, "out.log", settings, codec)).toEqual({
      reference: [0.8, 0.9],
      baseline: [0.79, 0.91],
    });
    const later = { ...run, reference: { accuracies: [0.1, 0.2] } };
    expect(parseSavedBaselines(`${output}\n${JSON.stringify(later)}`, "out.log", settings, codec).reference).toEqual([
      0.1, 0.2,
    ]);
  });

  it("refuses output of other settings, another baseline codec, or no JSON at all", () => {
    expect(() => parseSavedBaselines(output, "out.log", { ...settings, seed: 2 }, codec)).toThrow(
      /out.log was run with other settings \(seed 1 there, 2 here\): run without --baselines-from/,
    );
    const { rounds: _rounds, ...fewer } = settings;
    expect(() => parseSavedBaselines(output, "out.log", fewer, codec)).toThrow(/rounds 2 there, undefined here/);
    expect(() => parseSavedBaselines(output, "out.log", settings, { ...codec, clip: 0.2 })).toThrow(
      /has no quant-8b run with 8-bit values and clip 0.2: give the same --baseline-clip/,
    );
    expect(() => parseSavedBaselines("table only\n{not json", "out.log", settings, codec)).toThrow(
      /out.log holds no bench:learning JSON line/,
    );
  });

  const dir = mkdtempSync(join(tmpdir(), "saved-baselines-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a file, and names a missing one", () => {
    const path = join(dir, "run.log");
    writeFileSync(path, output);
    expect(readSavedBaselines(path, settings, codec).baseline).toEqual([0.79, 0.91]);
    expect(() => readSavedBaselines(join(dir, "none.log"), settings, codec)).toThrow(
      /--baselines-from .*none.log: ENOENT/,
    );
  });
});
