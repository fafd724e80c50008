import { describe, expect, it } from "vitest";
import { RssSampler, rssMb } from "../../../scripts/lib/memory";

describe("node memory sampling", () => {
  it("reads a live process's RSS from /proc and keeps the peak", () => {
    const own = rssMb(process.pid);
    expect(own).toBeGreaterThan(10);
    const sampler = new RssSampler(process.pid, 50).start();
    expect(sampler.now()).toBeGreaterThan(10);
    expect(sampler.peakMb).toBeGreaterThanOrEqual(own! / 2);
    expect(sampler.startWindow()).toBeGreaterThan(10);
    expect(sampler.windowPeakMb).toBeGreaterThan(10); // the new window starts with a sample
    sampler.stop();
  });

  it("answers undefined / NaN for a process that does not exist", () => {
    expect(rssMb(2 ** 22 + 7)).toBeUndefined();
    expect(new RssSampler(2 ** 22 + 7).now()).toBeNaN();
  });
});
