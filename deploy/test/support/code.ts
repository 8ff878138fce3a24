// What the deployment tests (compose.test.ts, helm.test.ts) hold deployment files to: the services' config
// loaders and the variables their code really reads.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadCartConfig } from "../../../cart/src/config.ts";
import { loadLomsConfig } from "../../../loms/src/config.ts";
import { loadNotifierConfig } from "../../../notifier/src/config.ts";
import { loadProductsConfig } from "../../../products/src/config.ts";

export const ROOT = join(import.meta.dir, "../../..");
export const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** Each service workspace's config loader. */
export const LOADERS = {
  products: loadProductsConfig,
  loms: loadLomsConfig,
  cart: loadCartConfig,
  notifier: loadNotifierConfig,
} as const;
export type Workspace = keyof typeof LOADERS;
export const isWorkspace = (name: string | undefined): name is Workspace =>
  name !== undefined && name in LOADERS;

function tsFiles(dir: string): string[] {
  return [...new Bun.Glob("**/*.ts").scanSync({ cwd: join(ROOT, dir) })].map((f) => join(dir, f));
}
/** Every TypeScript source of the services and the platform (not tests), by path. */
export const sources = new Map(
  ["platform", "products", "loms", "cart", "notifier"]
    .flatMap((w) => tsFiles(`${w}/src`))
    .map((f) => [f, read(f)]),
);

/** The code a service runs: its workspace's sources and the platform's. */
export function codeOf(ws: Workspace): string {
  return [...sources.keys()]
    .filter((f) => f.startsWith(`${ws}/src/`) || f.startsWith("platform/src/"))
    .map((f) => sources.get(f))
    .join("\n");
}

/**
 * The variable names `code` never reads. <PREFIX>_HOST / <PREFIX>_PORT count as read when the code
 * calls serverEnv("<PREFIX>", port), which builds those names.
 */
export function unreadVariables(names: readonly string[], code: string): string[] {
  const prefixes = [...code.matchAll(/serverEnv\("(\w+)"/g)].map((m) => m[1]);
  return names.filter((v) => {
    if (new RegExp(`\\b${v}\\b`).test(code)) return false;
    return !prefixes.some((p) => v === `${p}_HOST` || v === `${p}_PORT`);
  });
}
