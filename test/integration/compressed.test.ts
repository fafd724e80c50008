import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runDemo } from "../../scripts/lib/demo-run";

describe("compressed encrypted FedAvg (Hardhat node + participant processes)", () => {
  it("participants encode with the round's on-chain seed, everyone decodes the same next model", async () => {
    const out = mkdtempSync(path.join(tmpdir(), "flufhe-compressed-"));
    // A shared-seed projection: every participant and the owner must draw the same map from the
    // chain's (task, round, globalModelHash), or round 2 opens on a commitment the participants refuse.
    const { report, weights } = await runDemo({
      dataset: "breast-cancer",
      model: "logreg",
      clients: 3,
      rounds: 2,
      partition: "iid",
      alpha: 0.5,
      seed: 5,
      epochs: 2,
      batchSize: 16,
      lr: 0.1,
      compress: "hash:2",
      out,
    });
    expect(report.encoding).toEqual({ kind: "hash", ratio: 2 });
    expect(weights.length).toBe(report.parameters);
    // 62 parameters -> 31 coordinates in 3-bit codes + 3 weight digits, 25 five-bit lanes per word (3 contributors).
    expect(report.codec.valueBits).toBe(3);
    expect(report.wordsPerParticipant).toBe(2);
    expect(report.rounds).toHaveLength(2);
    expect(report.compressedPlaintextFinalAccuracy).toBeGreaterThan(0.85);
    expect(report.finalAccuracy).toBeGreaterThan(0.85);
    for (const r of report.rounds) {
      // Encrypted and plaintext runs of the same encoding differ only in the participants' own dither.
      expect(Math.abs(r.accuracy - r.compressedPlaintextAccuracy!)).toBeLessThanOrEqual(0.06);
    }
  });
});
