/**
 * Polls `check` until it returns true, for at most `ms`; the error says what was awaited and, via
 * `state`, where things stood. Bounded polling instead of sleeps: fast when the machine is, patient
 * when it is loaded.
 */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  opts: { ms?: number; state?: () => unknown } = {},
): Promise<void> {
  const ms = opts.ms ?? 60_000;
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) {
      const state = opts.state ? `\n${JSON.stringify(opts.state(), null, 1)}` : "";
      throw new Error(`${what}: not within ${ms} ms${state}`);
    }
    await Bun.sleep(100);
  }
}
