import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runDemo } from "../../scripts/lib/demo-run";

describe("multi-process encrypted FedAvg (Hardhat node + participant processes)", () => {
  it("the decrypted global model equals plaintext FedAvg within the quantization error", async () => {
    const out = mkdtempSync(path.join(tmpdir(), "flufhe-demo-"));
    const { report, weights, plaintextWeights, stepSize } = await runDemo({
      dataset: "breast-cancer",
      model: "logreg",
      clients: 3,
      rounds: 2,
      partition: "iid",
      alpha: 0.5,
      seed: 3,
      epochs: 2,
      batchSize: 16,
      lr: 0.1,
      valueBits: 16,
      // Not a whole number of millionths: owner and participants must both use what the chain stores
      // (1.0), or their round-2 models differ and the participants refuse the round's commitment.
      clip: 1.0000004,
      // Every participant process encrypts on a pool of 2 worker threads (its own mock instance per thread).
      encryptThreads: 2,
      out,
    });
    expect(weights.length).toBe(report.parameters);
    let maxDiff = 0;
    weights.forEach((w, i) => (maxDiff = Math.max(maxDiff, Math.abs(w - plaintextWeights[i]))));
    // Each contributor rounds to half a step per round; weights are quantized to 16 bits too.
    expect(stepSize).toBe(1 / 2 ** 15);
    expect(maxDiff).toBeLessThanOrEqual(4 * stepSize);
    expect(maxDiff).toBeGreaterThan(0); // it really went through the quantized, encrypted path
    expect(report.rounds).toHaveLength(2);
    const [round] = report.rounds;
    for (const r of report.rounds) expect(Math.abs(r.accuracy - r.plaintextAccuracy)).toBeLessThanOrEqual(0.005);
    // 3 submissions + 3 participant grants + owner grant + open + close + reveal
    expect(round.txs).toBe(10);
    expect(round.gasUsed).toBeGreaterThan(0);
    expect(round.hcuUsed).toBeGreaterThan(0);
  });
});
