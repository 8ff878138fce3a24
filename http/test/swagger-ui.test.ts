// Swagger UI in a real browser, as a person uses it: for each service open /docs, press Authorize and
// enter testToken where the API asks for it, then "Try it out" → Execute on one Connect and one REST
// operation, and read the response the page shows. Debian's Chromium (scripts/ensure-chromium.sh,
// part of `just test-deps`) is driven by playwright-core, which downloads no browser. A screenshot per
// service is left in .run/swagger-ui/ to look at.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { type Stack, startStack } from "../../cart/test/e2e/stack.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOTS = join(ROOT, ".run/swagger-ui");
// This machine's network reaches nothing but package registries: Chromium must not try its own
// connections (updates, sync, QUIC probes), or it stalls on them.
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox", // runs as root in CI
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let stack: Stack;
let browser: BrowserContext;
let profile: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh (just test-deps)`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), "route256-chromium-")); // an empty profile every run
  // one after the other: were they started together and the browser failed, the services would be
  // left running with nobody to stop them
  stack = await startStack();
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  if (stack) expect(await stack.stop()).toEqual([0, 0, 0]);
});

/** Opens a service's /docs, lets `use` work the page, and screenshots it whatever happened. */
async function onDocs(service: "products" | "loms" | "cart", use: (page: Page) => Promise<void>) {
  const page = await browser.newPage();
  try {
    await page.goto(`${stack[service].url}/docs`);
    await page.locator(".swagger-ui .information-container .title").waitFor();
    await use(page);
  } finally {
    await page.screenshot({ path: join(SCREENSHOTS, `${service}.png`), fullPage: true });
    await page.close();
  }
}

/** The Authorize dialog: the API key goes into every call the page makes from then on. */
async function authorize(page: Page, token: string) {
  await page.locator(".auth-wrapper button.authorize").click();
  const dialog = page.locator(".dialog-ux .modal-ux");
  await dialog.locator(".auth-container input").fill(token);
  await dialog.locator(".auth-btn-wrapper button.authorize").click();
  await dialog.locator(".auth-btn-wrapper button.btn-done").click();
  await dialog.waitFor({ state: "detached" });
}

/** One operation's block, found by method and path as the page lists them. */
function operation(page: Page, method: string, path: string): Locator {
  return page.locator(`.opblock.opblock-${method}`, {
    has: page.locator(`.opblock-summary-path[data-path="${path}"]`),
  });
}

/**
 * Expands the operation, presses "Try it out", fills path/query parameters (the request body keeps the
 * example the page pre-fills), presses Execute, and returns the status and the JSON body the page shows.
 */
async function tryItOut(
  op: Locator,
  params: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  await op.locator(".opblock-summary").first().click();
  await op.locator("button.try-out__btn").click();
  for (const [name, value] of Object.entries(params))
    await op.locator(`tr[data-param-name="${name}"] input`).fill(value);
  await op.locator("button.execute").click();
  const live = op.locator(".live-responses-table .response").first();
  await live.waitFor();
  const status = Number((await live.locator(".response-col_status").innerText()).trim());
  const text = await live.locator(".response-col_description pre").first().innerText();
  return { status, body: JSON.parse(text) };
}

/** What the service answers to the same call made directly: the page must show exactly this. */
async function direct(url: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(url, init);
  expect(res.status).toBe(200);
  return res.json();
}
const connectJson = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

describe("Swagger UI in Chromium", () => {
  test("products: Authorize with testToken, then GetProduct (Connect) and GET /product/{sku} (REST)", async () => {
    await onDocs("products", async (page) => {
      await authorize(page, "testToken");
      const connect = await tryItOut(operation(page, "post", "/products.v1.ProductService/GetProduct"));
      expect(connect).toEqual({
        status: 200,
        body: await direct(
          `${stack.products.url}/products.v1.ProductService/GetProduct`,
          connectJson({ sku: "1076963" }, { "x-api-key": "testToken" }),
        ),
      });
      expect(connect.body).toMatchObject({
        product: { sku: "1076963", name: "Теория нравственных чувств | Смит Адам" },
      });
      const rest = await tryItOut(operation(page, "get", "/product/{sku}"), { sku: "1148162" });
      expect(rest).toEqual({ status: 200, body: { sku: 1148162, name: "Кулинар Гуров", price: 2931 } });
    });
  });

  test("loms: StocksInfo (Connect) and GET /stock/info (REST)", async () => {
    await onDocs("loms", async (page) => {
      const connect = await tryItOut(operation(page, "post", "/loms.v1.StockService/StocksInfo"));
      const stock = await direct(
        `${stack.loms.url}/loms.v1.StockService/StocksInfo`,
        connectJson({ sku: "1076963" }),
      );
      expect(connect).toEqual({ status: 200, body: stock });
      expect(stock).toMatchObject({ count: expect.any(Number) });
      const rest = await tryItOut(operation(page, "get", "/stock/info"), { sku: "1076963" });
      expect(rest).toEqual({ status: 200, body: stock });
    });
  });

  test("cart: AddItem (Connect), then the cart it filled through GET /user/{user_id}/cart (REST)", async () => {
    await onDocs("cart", async (page) => {
      // the pre-filled example: user 1 adds one unit of sku 1076963
      expect(await tryItOut(operation(page, "post", "/cart.v1.CartService/AddItem"))).toEqual({
        status: 200,
        body: {},
      });
      const rest = await tryItOut(operation(page, "get", "/user/{user_id}/cart"), { user_id: "1" });
      expect(rest).toEqual({ status: 200, body: await direct(`${stack.cart.url}/user/1/cart`) });
      expect(rest.body).toMatchObject({
        items: [{ sku: 1076963, count: 1, name: "Теория нравственных чувств | Смит Адам" }],
      });
    });
  });
});
