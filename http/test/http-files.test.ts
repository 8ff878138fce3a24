// The example requests in http/*.http, run in file order against products, LOMS and cart started
// as processes (embedded mode, in-memory stores), each answering with the status its file states.
// The files stay true: an endpoint that changes its answer, or a new endpoint without an example,
// fails here.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { type Stack, startStack } from "../../cart/test/e2e/stack.ts";
import { type HttpFile, type HttpRequest, parseHttpFile, sendRequest } from "./http-file.ts";

const DIR = new URL("..", import.meta.url).pathname;
/** Each file, and the default address of each service it calls: `just dev` and `just up` alike. */
const FILES = {
  "products.http": { products: "http://127.0.0.1:8082" },
  "loms.http": { loms: "http://127.0.0.1:8084" },
  "cart.http": { cart: "http://127.0.0.1:8080", loms: "http://127.0.0.1:8084" },
} as const;
type Service = "products" | "loms" | "cart";

const files: [string, HttpFile][] = Object.keys(FILES).map((name) => [
  name,
  parseHttpFile(readFileSync(`${DIR}${name}`, "utf8"), name),
]);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  expect(await stack.stop()).toEqual([0, 0, 0]);
});

const label = (file: string, r: HttpRequest) => `${file}:${r.line} ${r.method} ${r.url}`;

describe("the files", () => {
  test("point at the services' usual ports, which `just dev` and `just up` both use", () => {
    for (const [name, file] of files) {
      const hosts = FILES[name as keyof typeof FILES];
      for (const [service, url] of Object.entries(hosts)) expect(file.variables.get(service)).toBe(url);
    }
  });

  test("have requests, each with a URL on one of those hosts", () => {
    for (const [name, file] of files) {
      expect(file.requests.length).toBeGreaterThan(5);
      const hosts = Object.keys(FILES[name as keyof typeof FILES]);
      for (const r of file.requests)
        expect(hosts).toContain(serviceOf(r.url)?.service ?? `no host in ${r.url}`);
    }
  });
});

for (const [name, file] of files) {
  describe(name, () => {
    const responses = new Map<string, { body: string }>();
    for (const request of file.requests) {
      test(`${label(name, request)}${request.title ? ` — ${request.title}` : ""}`, async () => {
        const sent = await sendRequest(request, file, responses, hosts());
        // The whole answer on a mismatch: the body says why a status was not what the file expects.
        expect({ status: sent.status, body: sent.body }).toMatchObject({ status: request.expect.status });
        if (request.expect.bodyContains !== undefined)
          expect(sent.body).toContain(request.expect.bodyContains);
        if (request.name) responses.set(request.name, { body: sent.body });
      });
    }
  });
}

describe("coverage", () => {
  test("every operation of every service's OpenAPI document has an example", async () => {
    const examples = files.flatMap(([name, file]) =>
      file.requests.map((r) => ({ where: label(name, r), method: r.method, ...serviceOf(r.url)! })),
    );
    const missing: string[] = [];
    for (const service of ["products", "loms", "cart"] as const) {
      const doc = (await (await fetch(`${stack[service].url}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, unknown>>;
      };
      for (const [path, operations] of Object.entries(doc.paths)) {
        // {param} in the document, {{variable}} or a value in the files: any one path segment.
        const pattern = new RegExp(`^${path.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "[^/]+")}$`);
        for (const method of Object.keys(operations)) {
          const found = examples.some(
            (e) => e.service === service && e.method === method.toUpperCase() && pattern.test(e.path),
          );
          if (!found) missing.push(`${service} ${method.toUpperCase()} ${path}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

/** "{{cart}}/user/{{user}}/cart?x=1" → the service and the path, variables left in. */
function serviceOf(url: string): { service: Service; path: string } | undefined {
  const match = /^\{\{(products|loms|cart)\}\}(\/[^?#]*)/.exec(url);
  return match ? { service: match[1] as Service, path: match[2]! } : undefined;
}

/** The hosts of the services this test started, in place of the files' usual ports. */
function hosts(): Record<Service, string> {
  return { products: stack.products.url, loms: stack.loms.url, cart: stack.cart.url };
}
