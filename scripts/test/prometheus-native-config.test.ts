// The native Prometheus must scrape what compose's does, where scripts/stack.sh runs each instance.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { type Compose, nativeConfig, publishedAddresses } from "../prometheus/native-config.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const read = (path: string) => readFileSync(`${ROOT}${path}`, "utf8");
type Prometheus = {
  global: Record<string, string>;
  scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
};

const composeYml = read("deploy/prometheus/prometheus.yml");
const compose = Bun.YAML.parse(composeYml) as Prometheus;
const native = Bun.YAML.parse(
  nativeConfig(composeYml, publishedAddresses(Bun.YAML.parse(read("compose.yaml")) as Compose)),
) as Prometheus;

/** service → port, as scripts/stack.sh's port_of() says. */
const stackPorts = Object.fromEntries(
  [
    ...(/port_of\(\) \{([\s\S]*?)\n\}/.exec(read("scripts/stack.sh"))?.[1] ?? "").matchAll(
      /([\w-]+)\) echo (\d+)/g,
    ),
  ].map((m) => [m[1], Number(m[2])]),
);

describe("the native stack's Prometheus configuration", () => {
  test("has compose's jobs and settings; only the addresses differ", () => {
    expect(native.global).toEqual(compose.global);
    expect(native.scrape_configs.map((j) => j.job_name)).toEqual(
      compose.scrape_configs.map((j) => j.job_name),
    );
    const count = (p: Prometheus) =>
      p.scrape_configs.map((j) => j.static_configs.flatMap((c) => c.targets).length);
    expect(count(native)).toEqual(count(compose));
  });

  test("scrapes each instance on the loopback port scripts/stack.sh runs it on", () => {
    const instances = native.scrape_configs.flatMap((j) => j.static_configs.flatMap((c) => c.targets));
    const running = Object.values(stackPorts).map((p) => `127.0.0.1:${p}`);
    expect(instances.length).toBeGreaterThan(0);
    for (const target of instances) expect(running).toContain(target);
    // every service stack.sh runs is scraped
    expect([...instances].sort()).toEqual([...running].sort());
  });

  test("a target compose does not publish on the host is an error, not a silent gap", () => {
    expect(() => nativeConfig('targets: ["nowhere:1234"]', new Map())).toThrow("nowhere:1234");
  });
});
