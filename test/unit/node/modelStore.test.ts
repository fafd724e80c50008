import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ModelDirectory, ModelUrl, findModel } from "../../../client/src/node/modelStore";
import { serveModels } from "../../../client/src/node/modelServer";
import { modelCommitment, type ModelSpec } from "../../../client/src/protocol/modelSpec";

const spec: ModelSpec = { kind: "logreg", inputShape: [2], numClasses: 2, seed: 1 };
const weights = Float32Array.from([0.5, -0.25, 0.125, 1, 2, 3]);
const commitment = modelCommitment(spec, weights);

describe("model store", () => {
  it("hands out a model only when it hashes to the round's commitment", async () => {
    const good = new ModelDirectory(mkdtempSync(path.join(tmpdir(), "models-")));
    good.save({ spec, commitment, weights: Array.from(weights) });
    const forged = new ModelDirectory(mkdtempSync(path.join(tmpdir(), "forged-")));
    forged.save({ spec, commitment, weights: [9, 9, 9, 9, 9, 9] });
    expect(await findModel([forged, good], spec, commitment, 6)).toEqual({ weights, source: good.dir });
    await expect(findModel([forged], spec, commitment, 6)).rejects.toThrow(/does not hash to the commitment: ignored/);
    await expect(findModel([good], spec, "0x" + "ab".repeat(32), 6)).rejects.toThrow(/not there.*--models/);
  });

  it("serves <commitment>.json read-only over HTTP on 127.0.0.1, and nothing else", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "served-"));
    new ModelDirectory(dir).save({ spec, commitment, weights: Array.from(weights) });
    writeFileSync(path.join(dir, "secret.txt"), "not for you");
    const server = await serveModels(dir, "127.0.0.1", 0);
    try {
      expect((await findModel([new ModelUrl(server.url)], spec, commitment, 6)).weights).toEqual(weights);
      for (const p of ["secret.txt", "../secret.txt", "", `${commitment.toUpperCase()}.json`]) {
        expect((await fetch(server.url + p)).status).toBe(404);
      }
      expect((await fetch(server.url + `${commitment}.json`, { method: "POST" })).status).toBe(404);
    } finally {
      server.close();
    }
  });
});
