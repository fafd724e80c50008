import { defineConfig } from "vitest/config";

// Multi-process tests: each file starts its own Hardhat node and participant processes, so files
// run one at a time on our 2-core machines.
export default defineConfig({
  test: {
    include: ["test/integration/**/*.test.ts"],
    environment: "node",
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: "forks",
    fileParallelism: false,
  },
});
