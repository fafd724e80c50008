import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { defineConfig } from "vitest/config";

// Multi-process tests: each file starts its own Hardhat node and participant processes, so files
// run one at a time on our 2-core machines.
export default defineConfig({
  test: {
    include: ["test/integration/**/*.test.ts"],
    environment: "node",
    // Nodes and fl: tasks spawned by the tests keep their privacy ledgers in a temporary directory, not in ~/.flufhe.
    env: { FLUFHE_PRIVACY_LEDGER: mkdtempSync(path.join(tmpdir(), "flufhe-test-ledger-")) },
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: "forks",
    fileParallelism: false,
  },
});
