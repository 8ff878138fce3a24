/**
 * Refuses to start a server inside a unit test run (`just test-unit` sets ROUTE256_TEST_SUITE=unit):
 * unit tests are in-process and take seconds; a test that needs PostgreSQL, Redis, Kafka or a service
 * process belongs in an integration/ (or e2e/) folder, where `just test-integration` runs it.
 */
export function assertServersAllowed(what: string): void {
  if (process.env.ROUTE256_TEST_SUITE === "unit") {
    throw new Error(
      `${what}: a unit test may not start servers; move the test into an integration/ or e2e/ folder (README, "Tests")`,
    );
  }
}
