/**
 * Runs one of the project's shell scripts (scripts/*.sh) with extra environment and returns its exit
 * code and everything it printed, stdout then stderr: test helpers put that output into the error
 * they throw, so a server that does not start says why.
 */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; output: string }> {
  return runCommand(["bash", script, ...args], env);
}

/** Runs any command (from the repository root unless `cwd` says otherwise), as runScript does. */
export async function runCommand(
  command: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await runCommandStreams(command, env, cwd);
  return { code, output: stderr ? `${stdout}${stdout.endsWith("\n") ? "" : "\n"}${stderr}` : stdout };
}

/** runCommand with stdout and stderr apart, for callers that compare what went to stdout alone. */
export async function runCommandStreams(
  command: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn(command, {
    ...(cwd ? { cwd } : {}),
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
  return { code, stdout, stderr };
}
