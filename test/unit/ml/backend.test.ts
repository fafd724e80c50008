import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { initBackend } from "../../../client/src/ml";

describe("initBackend", () => {
  it("honours a preferred backend and logs it", async () => {
    const log: string[] = [];
    expect(await initBackend("cpu", (m) => log.push(m))).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(log).toEqual(["tfjs backend: cpu"]);
  });

  it("falls back from tfjs-node to wasm when tfjs-node is not installed", async () => {
    const log: string[] = [];
    const name = await initBackend(undefined, (m) => log.push(m));
    let nodeInstalled = true;
    try {
      require.resolve("@tensorflow/tfjs-node");
    } catch {
      nodeInstalled = false;
    }
    expect(name).toBe(nodeInstalled ? "node" : "wasm");
    expect(tf.getBackend()).toBe(nodeInstalled ? "tensorflow" : "wasm");
    if (!nodeInstalled)
      expect(log[0]).toMatch(/tfjs backend "node" unavailable: Cannot find module '@tensorflow\/tfjs-node'/);
    expect(log[log.length - 1]).toBe(`tfjs backend: ${name}`);
    expect(tf.tidy(() => tf.add(1, 2).dataSync()[0])).toBe(3);
  });
});
