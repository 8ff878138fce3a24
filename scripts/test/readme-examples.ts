/**
 * The README's executable examples: every ```console block, read as a terminal session.
 *
 *   $ curl localhost:8084/order/info?orderId=10     a command (paste it without the "$ ");
 *     -H '…'                                          a line ending in "\" continues on the next
 *   {"status":"awaiting payment",[..]}              what it prints on stdout, up to the next "$ ",
 *                                                   "# " comment or blank line
 *   # a comment                                     prose, not run
 *
 * In a printed line `[..]` stands for any text (a value that differs from run to run); a line that
 * is just `...` stands for any number of lines (headers of `curl -i`, say). Everything else must
 * match exactly, trailing blank space and line ends aside.
 */

export interface Example {
  /** 1-based README line of the command. */
  line: number;
  /** The command as a shell runs it: continuation lines joined, as written. */
  command: string;
  /** The printed lines the README shows under it. */
  expected: string[];
}

const FENCE_OPEN = /^```console\s*$/;
const FENCE_CLOSE = /^```\s*$/;

export function parseExamples(markdown: string): Example[] {
  const lines = markdown.split(/\r?\n/);
  const examples: Example[] = [];
  let inBlock = false;
  let current: Example | undefined;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] as string;
    if (!inBlock) {
      inBlock = FENCE_OPEN.test(text);
      continue;
    }
    if (FENCE_CLOSE.test(text)) {
      inBlock = false;
      current = undefined;
      continue;
    }
    if (text.startsWith("$ ")) {
      let command = text.slice(2);
      const line = i + 1;
      while (command.endsWith("\\")) {
        i++;
        if (i >= lines.length || FENCE_CLOSE.test(lines[i] as string))
          throw new Error(`README.md:${line}: the command's last line ends in "\\"`);
        command = `${command}\n${lines[i]}`;
      }
      current = { line, command, expected: [] };
      examples.push(current);
    } else if (text.trim() === "" || text.startsWith("#")) {
      current = undefined;
    } else if (current) {
      current.expected.push(text.trimEnd());
    } else {
      throw new Error(`README.md:${i + 1}: output without a command above it: ${JSON.stringify(text)}`);
    }
  }
  if (inBlock) throw new Error("README.md: a ```console block is not closed");
  return examples;
}

/** Whether `actual` (what the command printed) is what `expected` shows, markers included. */
export function matches(expected: readonly string[], actual: string): boolean {
  const source = expected
    .map((l) =>
      l === "..."
        ? "(?:[^\\n]*\\n)*?"
        : `${RegExp.escape(l).replaceAll(RegExp.escape("[..]"), "[^\\n]*")}\\n`,
    )
    .join("");
  return new RegExp(`^${source}$`).test(normalise(actual));
}

/** Line ends as \n, no trailing blank space on a line, exactly one \n at the end (none when empty). */
export function normalise(printed: string): string {
  const lines = printed
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((l) => l.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
