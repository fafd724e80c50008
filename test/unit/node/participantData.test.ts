import { describe, expect, it } from "vitest";
import { loadParticipantData, loadPartitions } from "../../../client/src/node/data";

// A simulated node copies out only its own partition; it must be exactly the one the simulations
// (bench, the demo's plaintext baseline) give participant i.
describe("loadParticipantData", () => {
  const spec = { data: "digits", clients: 4, partition: "dirichlet" as const, alpha: 0.5, seed: 3 };

  it("gives participant i the simulations' partition i, the same test set and histogram", () => {
    const all = loadPartitions(spec);
    for (let i = 0; i < spec.clients; i++) {
      const mine = loadParticipantData({ ...spec, clientIndex: i });
      expect(mine.train.x).toEqual(all.parts[i].x);
      expect(mine.train.y).toEqual(all.parts[i].y);
      expect(mine.test.x).toEqual(all.test.x);
      expect(mine.histogram).toBe(all.histogram);
    }
    expect(new Set(all.parts.map((p) => p.y.length)).size).toBeGreaterThan(1); // Dirichlet: unequal parts
  });

  it("refuses a client index outside the federation", () => {
    expect(() => loadParticipantData({ ...spec, clientIndex: 4 })).toThrow(/client index 4 is out of range for 4/);
  });
});
