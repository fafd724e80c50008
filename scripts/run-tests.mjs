#!/usr/bin/env node
// `npm test`: every suite in order (codec/ML unit tests with vitest, contract tests with Hardhat's
// mocha in fhEVM mock mode, multi-process integration tests, the browser e2e), then one closing line "N passed, N failed" summed over all of them.
import { execFileSync, spawn } from "node:child_process";

function hasChromium() {
  try {
    execFileSync("which", ["chromium"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const suites = [
  { name: "unit (vitest)", cmd: ["npx", "vitest", "run"], parse: parseVitest },
  { name: "contracts (hardhat test, fhEVM mock)", cmd: ["npx", "hardhat", "test"], parse: parseMocha },
  {
    name: "integration (Hardhat node + participant processes)",
    cmd: ["npx", "vitest", "run", "--config", "vitest.integration.config.ts"],
    parse: parseVitest,
  },
  {
    name: "browser e2e (next build + next start + Debian chromium)",
    cmd: ["npx", "vitest", "run", "--config", "vitest.e2e.config.ts"],
    parse: parseVitest,
    // Needs Debian's chromium (CI installs it: apt-get install chromium); reported, never silently passed.
    skip: hasChromium() ? undefined : "chromium is not installed (apt-get install chromium)",
  },
];

function parseVitest(out) {
  const line = out.split("\n").find((l) => /^\s*Tests\s/.test(l)) ?? "";
  const num = (re) => Number(line.match(re)?.[1] ?? 0);
  return { passed: num(/(\d+) passed/), failed: num(/(\d+) failed/), skipped: num(/(\d+) skipped/) };
}

function parseMocha(out) {
  const num = (re) => Number(out.match(re)?.[1] ?? 0);
  return { passed: num(/^\s*(\d+) passing/m), failed: num(/^\s*(\d+) failing/m), skipped: num(/^\s*(\d+) pending/m) };
}

function run(cmd) {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), {
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on("data", (d) => process.stderr.write(d));
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

const total = { passed: 0, failed: 0, skipped: 0 };
let exitCode = 0;
for (const suite of suites) {
  process.stdout.write(`\n=== ${suite.name} ===\n`);
  if (suite.skip) {
    process.stdout.write(`SKIPPED: ${suite.skip}\n`);
    total.skipped += 1;
    continue;
  }
  const { code, out } = await run(suite.cmd);
  const counts = suite.parse(out);
  if (code !== 0) {
    exitCode = 1;
    if (counts.failed === 0) counts.failed = 1; // a crash before any test reported counts as a failure
  }
  for (const k of Object.keys(total)) total[k] += counts[k];
}
process.stdout.write(`\n${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
process.exit(exitCode);
