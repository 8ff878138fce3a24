/**
 * Runs one of the project's shell scripts (scripts/*.sh) with extra environment and returns its exit
 * code and everything it printed, stdout then stderr: test helpers put that output into the error
 * they throw, so a server that does not start says why.
 */
export async function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; output: string }> {
  const child = Bun.spawn(["bash", script, ...args], {
    env: { ...process.env, ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, output: stderr ? `${stdout}${stdout.endsWith("\n") ? "" : "\n"}${stderr}` : stdout };
}
