// `just test-unit` / `just test-integration`: one `bun test` over one half of the test files.
//   bun scripts/test-suite.ts unit|integration|list [bun test flags…]
// The half is decided by where a test lives (README, "Tests"): a test is an integration test when a
// folder on its path is integration/, e2e/, postgres/ or kafka/, it is under deploy/ or http/, or the
// file is e2e.test.ts; every other test is a unit test. Unit tests run with ROUTE256_TEST_SUITE=unit,
// under which the test kit refuses to start a server (PostgreSQL, Redis, Kafka, a service process):
// such a test fails at once, naming the folder it belongs in. `just test` runs both halves together.
const ROOT = new URL("..", import.meta.url).pathname;
const INTEGRATION = /(^|\/)(integration|e2e|postgres|kafka)\/|^(deploy|http)\/|(^|\/)e2e\.test\.ts$/;
const SKIP = /(^|\/)(node_modules|\.tools|\.run|\.gen|\.git)\//;

export type Suite = "unit" | "integration";

export function suiteOf(file: string): Suite {
  return INTEGRATION.test(file) ? "integration" : "unit";
}

function testFiles(): string[] {
  return [...new Bun.Glob("**/*.test.ts").scanSync({ cwd: ROOT, dot: true })]
    .filter((f) => !SKIP.test(f))
    .sort();
}

if (import.meta.main) {
  const [suite, ...flags] = process.argv.slice(2);
  if (suite !== "unit" && suite !== "integration" && suite !== "list") {
    console.error("usage: bun scripts/test-suite.ts unit|integration|list [bun test flags]");
    process.exit(2);
  }
  if (suite === "list") {
    for (const f of testFiles()) console.log(`${suiteOf(f).padEnd(12)} ${f}`);
    process.exit(0);
  }
  const files = testFiles().filter((f) => suiteOf(f) === suite);
  // "./" makes bun take each argument as a path, not as a filter on paths.
  const run = Bun.spawnSync(
    [process.execPath, "test", "--timeout", "30000", ...flags, ...files.map((f) => `./${f}`)],
    {
      cwd: ROOT,
      env: { ...process.env, ROUTE256_TEST_SUITE: suite },
      stdio: ["inherit", "inherit", "inherit"],
    },
  );
  process.exit(run.exitCode ?? 1);
}
