import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts", "test/web/**/*.test.tsx"],
    environment: "node",
    testTimeout: 120_000,
    pool: "forks",
  },
});
