/**
 * Just enough of the REST Client (.http) format to run this project's example files as tests:
 * `###` separates requests; `@name = value` defines a file variable; `# @name x` names a request;
 * `# expect <status>[, body contains <text>]` is this project's own comment, stating what the
 * request answers; then the request line, headers up to a blank line, and the body. `{{var}}`
 * substitutes a file variable, `{{x.response.body.$.a.b}}` a field of named request x's JSON
 * response (the one response-variable form the files use). Anything else the format allows is
 * reported as an error rather than silently ignored, so a file that parses here means what it says.
 */

export interface Expectation {
  status: number;
  /** Text the response body must contain. */
  bodyContains?: string;
}

export interface HttpRequest {
  /** Text after the `###` that opens the request (may be empty). */
  title: string;
  /** 1-based line of the request line, for messages. */
  line: number;
  /** `# @name`: later requests can read this one's response. */
  name?: string;
  expect: Expectation;
  method: string;
  /** As written, with {{variables}}. */
  url: string;
  headers: [string, string][];
  /** As written, with {{variables}}; undefined when the request has none. */
  body?: string;
}

export interface HttpFile {
  /** `@name = value` definitions, in file order; values may refer to other variables. */
  variables: Map<string, string>;
  requests: HttpRequest[];
}

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]);
const VARIABLE = /^@([\w.-]+)\s*=\s*(.*?)\s*$/;
const NAME = /^(?:#|\/\/)\s*@name\s+([\w-]+)\s*$/;
const EXPECT = /^(?:#|\/\/)\s*expect\s+(\d{3})(?:\s*,\s*body contains\s+(.+?))?\s*$/;
const COMMENT = /^(?:#|\/\/)/;
const REQUEST_LINE = /^([A-Z]+)\s+(\S+)(?:\s+HTTP\/[\d.]+)?\s*$/;
const HEADER = /^([\w-]+)\s*:\s*(.*?)\s*$/;

export function parseHttpFile(text: string, fileName = "file"): HttpFile {
  const variables = new Map<string, string>();
  const requests: HttpRequest[] = [];
  const lines = text.split(/\r?\n/);
  const fail = (i: number, why: string): never => {
    throw new Error(`${fileName}:${i + 1}: ${why}: ${JSON.stringify(lines[i])}`);
  };

  let i = 0;
  let title = "";
  while (i < lines.length) {
    // The preamble of a block: blank lines, comments, variables, metadata.
    let name: string | undefined;
    let expect: Expectation | undefined;
    for (; i < lines.length && !REQUEST_LINE.test(lines[i]!); i++) {
      const line = lines[i]!.trim();
      if (line.startsWith("###")) {
        if (name !== undefined || expect !== undefined) fail(i, "request metadata without a request");
        title = line.slice(3).trim();
        continue;
      }
      const variable = VARIABLE.exec(line);
      const named = NAME.exec(line);
      const expected = EXPECT.exec(line);
      if (variable) variables.set(variable[1]!, variable[2]!);
      else if (named) name = named[1];
      else if (expected) {
        expect = { status: Number(expected[1]), ...(expected[2] ? { bodyContains: expected[2] } : {}) };
      } else if (line !== "" && !COMMENT.test(line)) fail(i, "not a request line, comment or variable");
    }
    if (i >= lines.length) {
      if (name !== undefined || expect !== undefined) fail(i - 1, "request metadata without a request");
      break;
    }

    const start = i;
    const [, method, url] = REQUEST_LINE.exec(lines[i]!)!;
    if (!METHODS.has(method!)) fail(i, "unknown method");
    if (!expect) fail(i, "no `# expect <status>` comment before the request");
    i++;
    const headers: [string, string][] = [];
    for (; i < lines.length && lines[i]!.trim() !== "" && !lines[i]!.startsWith("###"); i++) {
      if (COMMENT.test(lines[i]!.trim())) continue;
      const header = HEADER.exec(lines[i]!);
      if (!header) fail(i, "not a header");
      headers.push([header![1]!, header![2]!]);
    }
    const bodyLines: string[] = [];
    for (; i < lines.length && !lines[i]!.startsWith("###"); i++) bodyLines.push(lines[i]!);
    const body = bodyLines.join("\n").trim();
    requests.push({
      title,
      line: start + 1,
      ...(name !== undefined ? { name } : {}),
      expect: expect!,
      method: method!,
      url: url!,
      headers,
      ...(body !== "" ? { body } : {}),
    });
    title = "";
  }
  return { variables, requests };
}

/** What `{{x.response...}}` reads: the responses of named requests sent so far. */
export type Responses = ReadonlyMap<string, { body: string }>;

const REFERENCE = /\{\{\s*([^{}]+?)\s*\}\}/g;
const RESPONSE_BODY = /^([\w-]+)\.response\.body\.\$((?:\.[\w-]+|\[\d+\])*)$/;

/**
 * Replaces every {{...}} in `text`: file variables (whose values may hold references themselves)
 * and response-body JSONPaths of named requests. An unknown or unresolvable reference throws:
 * sending "{{x}}" literally would only fail later with a less useful message.
 */
export function substitute(
  text: string,
  variables: ReadonlyMap<string, string>,
  responses: Responses,
  depth = 0,
): string {
  if (depth > 10) throw new Error(`variables refer to each other in a loop: ${text}`);
  return text.replace(REFERENCE, (_, ref: string) => {
    const value = variables.get(ref);
    if (value !== undefined) return substitute(value, variables, responses, depth + 1);
    const path = RESPONSE_BODY.exec(ref);
    if (!path) throw new Error(`unknown variable {{${ref}}}`);
    const response = responses.get(path[1]!);
    if (!response) throw new Error(`{{${ref}}}: no response from a request named ${path[1]} yet`);
    let node: unknown = JSON.parse(response.body);
    for (const step of path[2]!.match(/\.[\w-]+|\[\d+\]/g) ?? []) {
      const key = step.startsWith(".") ? step.slice(1) : Number(step.slice(1, -1));
      node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined;
    }
    if (node === undefined || node === null || typeof node === "object") {
      throw new Error(`{{${ref}}}: not a value in ${response.body}`);
    }
    return String(node);
  });
}

/** What a request answered. */
export interface Answer {
  status: number;
  body: string;
}

/**
 * Sends one request of `file`, every {{...}} filled in; `hosts` replaces file variables (the test
 * points @cart, @loms, @products at the services it started).
 */
export async function sendRequest(
  request: HttpRequest,
  file: HttpFile,
  responses: Responses,
  hosts: Readonly<Record<string, string>> = {},
): Promise<Answer> {
  const variables = new Map(file.variables);
  for (const [name, url] of Object.entries(hosts)) variables.set(name, url);
  const headers = new Headers();
  for (const [header, value] of request.headers)
    headers.append(header, substitute(value, variables, responses));
  const res = await fetch(substitute(request.url, variables, responses), {
    method: request.method,
    headers,
    ...(request.body !== undefined ? { body: substitute(request.body, variables, responses) } : {}),
    redirect: "manual",
  });
  return { status: res.status, body: await res.text() };
}

/** True when the answer is what the request's `# expect` line states. */
export function meetsExpectation(request: HttpRequest, answer: Answer): boolean {
  if (answer.status !== request.expect.status) return false;
  return request.expect.bodyContains === undefined || answer.body.includes(request.expect.bodyContains);
}

/**
 * Runs every request of `file` in order, as an editor would one after another, and returns the
 * ones whose answer is not what the file states ("file:line METHOD url → status body").
 */
export async function runHttpFile(
  file: HttpFile,
  fileName: string,
  hosts: Readonly<Record<string, string>> = {},
): Promise<string[]> {
  const responses = new Map<string, { body: string }>();
  const wrong: string[] = [];
  for (const request of file.requests) {
    const answer = await sendRequest(request, file, responses, hosts);
    if (request.name) responses.set(request.name, { body: answer.body });
    if (!meetsExpectation(request, answer)) {
      wrong.push(
        `${fileName}:${request.line} ${request.method} ${request.url} → ${answer.status} ${answer.body.slice(0, 300)}`,
      );
    }
  }
  return wrong;
}
