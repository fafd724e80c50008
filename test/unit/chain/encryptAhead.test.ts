import { describe, expect, it } from "vitest";
import { encryptAhead } from "../../../client/src/chain/encryptAhead";
import type { EncryptedChunk } from "../../../client/src/fhe/encrypt";

/** Records which chunks were started, and lets a test settle each one. */
function recorder() {
  const started: number[] = [];
  const settle = new Map<number, { resolve(c: EncryptedChunk): void; reject(e: Error): void }>();
  const encrypt = (chunk: number) =>
    new Promise<EncryptedChunk>((resolve, reject) => {
      started.push(chunk);
      settle.set(chunk, { resolve, reject });
    });
  const done = (chunk: number) => settle.get(chunk)!.resolve({ handles: [`h${chunk}`], proofs: [`p${chunk}`] });
  return { started, settle, encrypt, done };
}

describe("encryptAhead", () => {
  it("starts nothing ahead on the caller's thread (capacity 0)", async () => {
    const r = recorder();
    const take = encryptAhead(0, [2, 5, 7], () => 3, r.encrypt);
    const first = take(2);
    expect(r.started).toEqual([2]);
    r.done(2);
    expect((await first).handles).toEqual(["h2"]);
    const second = take(5);
    expect(r.started).toEqual([2, 5]);
    r.done(5);
    await second;
  });

  it("keeps `capacity` inputs queued beyond the chunk being submitted, in order", async () => {
    const r = recorder();
    // 2 inputs per chunk, capacity 4 (two threads): the current chunk plus two more.
    const take = encryptAhead(4, [0, 1, 2, 3, 4], () => 2, r.encrypt);
    const c0 = take(0);
    expect(r.started).toEqual([0, 1, 2]);
    r.done(0);
    await c0;
    const c1 = take(1);
    expect(r.started).toEqual([0, 1, 2, 3]);
    r.done(1);
    await c1;
    void take(2);
    expect(r.started).toEqual([0, 1, 2, 3, 4]);
  });

  it("counts each chunk's own inputs (a short last chunk)", () => {
    const r = recorder();
    const inputs = [4, 4, 1, 1];
    void encryptAhead(4, [0, 1, 2, 3], (c) => inputs[c], r.encrypt)(0);
    expect(r.started).toEqual([0, 1]);
  });

  it("does not raise unhandled rejections for chunks never taken", async () => {
    const r = recorder();
    const take = encryptAhead(8, [0, 1, 2], () => 1, r.encrypt);
    const c0 = take(0);
    r.settle.get(1)!.reject(new Error("worker died on chunk 2"));
    r.settle.get(2)!.reject(new Error("worker died on chunk 2"));
    r.done(0);
    await c0;
    await new Promise((resolve) => setTimeout(resolve, 20)); // vitest fails the run on an unhandled rejection
    await expect(take(1)).rejects.toThrow("worker died on chunk 2");
  });
});
