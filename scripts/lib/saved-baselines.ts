/**
 * `bench:learning --baselines-from <file>`: the plaintext reference's and the 8-bit codec's accuracies
 * from an earlier run's JSON, so a sweep of compressed configs does not train them again (on LeNet they
 * are two thirds of a run). Safe only for the same settings: every field of the earlier run's
 * `settings` and the baseline's codec must match this run's, else it throws saying which differs.
 * Both runs are deterministic for a seed, so the reused accuracies are the ones this run would train.
 */
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";

/** Accuracies after each round, as the earlier run measured them. */
export interface SavedBaselines {
  reference: number[];
  baseline: number[];
}

/** The earlier run's codec for the 8-bit baseline, which must match this run's. */
export interface BaselineCodec {
  name: string;
  valueBits: number;
  clip: number;
}

interface SavedRun {
  reference: { accuracies: number[] };
  configs: { name: string; valueBits: number; clip: number; accuracies: number[] }[];
  settings: Record<string, unknown>;
}

/** The last line of `text` that is a bench:learning JSON object (the output may be followed by other lines). */
function lastRun(text: string, source: string): SavedRun {
  const lines = text.split("\n").filter((l) => l.startsWith("{"));
  for (const line of lines.reverse()) {
    try {
      const run = JSON.parse(line) as Partial<SavedRun>;
      if (Array.isArray(run.reference?.accuracies) && Array.isArray(run.configs) && run.settings)
        return run as SavedRun;
    } catch {
      // Not JSON: keep looking.
    }
  }
  throw new Error(`${source} holds no bench:learning JSON line: save the output of an earlier run with --json`);
}

/** The reference's and the baseline's accuracies from an earlier run's output text, checked against this run. */
export function parseSavedBaselines(
  text: string,
  source: string,
  settings: Record<string, unknown>,
  codec: BaselineCodec,
): SavedBaselines {
  const run = lastRun(text, source);
  const keys = new Set([...Object.keys(settings), ...Object.keys(run.settings)]);
  const differing = [...keys].filter((k) => !isDeepStrictEqual(settings[k], run.settings[k]));
  if (differing.length) {
    const both = differing.map(
      (k) => `${k} ${JSON.stringify(run.settings[k])} there, ${JSON.stringify(settings[k])} here`,
    );
    throw new Error(`${source} was run with other settings (${both.join("; ")}): run without --baselines-from`);
  }
  const baseline = run.configs.find((c) => c.name === codec.name);
  if (!baseline || baseline.valueBits !== codec.valueBits || baseline.clip !== codec.clip) {
    throw new Error(
      `${source} has no ${codec.name} run with ${codec.valueBits}-bit values and clip ${codec.clip}: ` +
        "give the same --baseline-clip or run without --baselines-from",
    );
  }
  return { reference: run.reference.accuracies, baseline: baseline.accuracies };
}

/** parseSavedBaselines on a file. */
export function readSavedBaselines(
  path: string,
  settings: Record<string, unknown>,
  codec: BaselineCodec,
): SavedBaselines {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`--baselines-from ${path}: ${(e as Error).message}`);
  }
  return parseSavedBaselines(text, path, settings, codec);
}
