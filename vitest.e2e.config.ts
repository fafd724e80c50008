import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { defineConfig } from "vitest/config";

// The browser e2e suite (npm run test:e2e): files whose steps run in order, each file against its own
// Hardhat node, `next start` and Chromium, started in beforeAll (useWebStack, test/web/e2e/fixture.ts).
// Kept out of vitest.config.ts (unit). The participant benchmark is a script: npm run bench:participate.
export default defineConfig({
  test: {
    include: ["test/web/e2e/**/*.e2e.ts"],
    environment: "node",
    // Nodes spawned by the suite keep their privacy ledgers in a temporary directory, not in ~/.flufhe.
    env: { FLUFHE_PRIVACY_LEDGER: mkdtempSync(path.join(tmpdir(), "flufhe-test-ledger-")) },
    pool: "forks",
    fileParallelism: false,
    // Steps time themselves out first (300 s) and record a screenshot; these are backstops.
    testTimeout: 360_000,
    // beforeAll may run a cold `next build` (~1 min on 2 cores) before starting the node and the server.
    hookTimeout: 600_000,
    reporters: ["verbose"],
  },
});
