import { defineConfig } from "vitest/config";

// The browser e2e suite (npm run test:e2e): one file whose steps run in order against one Hardhat node,
// one `next start` and one Chromium, all started in beforeAll. Kept out of vitest.config.ts (unit).
export default defineConfig({
  test: {
    include: ["test/web/e2e/**/*.e2e.ts"],
    environment: "node",
    pool: "forks",
    fileParallelism: false,
    // Steps time themselves out first (300 s) and record a screenshot; these are backstops.
    testTimeout: 360_000,
    // beforeAll may run a cold `next build` (~1 min on 2 cores) before starting the node and the server.
    hookTimeout: 600_000,
    reporters: ["verbose"],
  },
});
