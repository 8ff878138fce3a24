// compose.yaml is never started on the development machines (no Docker engine there), so this test is
// what keeps it honest: it must be a valid Compose file (the official schema, the one Docker Compose
// validates with), and it must agree with the code — variables the services really read, the ports
// they really listen on, files that exist, metrics the code really registers.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "@route256/testkit/run-script";
import Ajv2020 from "ajv/dist/2020";
import { loadLomsConfig } from "../../loms/src/config.ts";
import {
  codeOf,
  isWorkspace,
  LOADERS,
  ROOT,
  read,
  sources,
  unreadVariables,
  type Workspace,
} from "./support/code.ts";

// ---- the compose model, as far as these checks need it ---------------------------------------------------
type Port = string | number | { target: number; published?: string | number; host_ip?: string };
type Volume = string | { type?: string; source?: string; target: string };
interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Port[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: Volume[];
  healthcheck?: { test?: string | string[] };
  networks?: string[] | Record<string, { aliases?: string[] } | null>;
  restart?: string;
}
interface Compose {
  services: Record<string, Service>;
}

const composeText = read("compose.yaml");
// Bun's YAML parser resolves anchors and `<<` merge keys, as Compose's own loader does
const compose = Bun.YAML.parse(composeText) as Compose;
const services = Object.entries(compose.services);

function env(s: Service): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(s.environment)) {
    for (const item of s.environment) {
      const eq = item.indexOf("=");
      out[eq < 0 ? item : item.slice(0, eq)] = eq < 0 ? "" : item.slice(eq + 1);
    }
  } else {
    for (const [k, v] of Object.entries(s.environment ?? {})) out[k] = v === null ? "" : String(v);
  }
  return out;
}
const argv = (x: string | string[] | undefined): string[] =>
  x === undefined ? [] : Array.isArray(x) ? x : x.split(/\s+/);
const dependsOn = (s: Service): Record<string, string> =>
  Array.isArray(s.depends_on)
    ? Object.fromEntries(s.depends_on.map((d) => [d, "service_started"]))
    : Object.fromEntries(
        Object.entries(s.depends_on ?? {}).map(([d, v]) => [d, v.condition ?? "service_started"]),
      );
const aliases = (s: Service): string[] =>
  Array.isArray(s.networks) ? [] : Object.values(s.networks ?? {}).flatMap((n) => n?.aliases ?? []);

/** Published ports as [host port, container port]. */
function published(s: Service): [number, number][] {
  return (s.ports ?? []).map((p) => {
    if (typeof p === "object") return [Number(p.published ?? p.target), p.target];
    const parts = String(p).split(":"); // [ip:]host:container
    return [Number(parts.at(-2) ?? parts.at(-1)), Number(parts.at(-1))];
  });
}
function bindMounts(s: Service): { source: string; target: string }[] {
  return (s.volumes ?? []).flatMap((v) => {
    if (typeof v === "object")
      return v.type === "bind" && v.source ? [{ source: v.source, target: v.target }] : [];
    const [source = "", target = ""] = v.split(":");
    return source.startsWith(".") || source.startsWith("/") ? [{ source, target }] : [];
  });
}

// ---- the application services: built from ./Dockerfile, the command picks the program --------------------
const appServices = services.filter(([, s]) => s.build !== undefined);
/** The file `bun <file> ...` runs. */
const entryOf = (s: Service): string => argv(s.command)[1] ?? "";
function workspaceOf(s: Service): Workspace | undefined {
  const ws = /^(\w+)\/src\/main\.ts$/.exec(entryOf(s))?.[1];
  return isWorkspace(ws) ? ws : undefined;
}
/** Long-running servers: the app services that run a workspace's main.ts. */
const servers = appServices.flatMap(([name, s]) => {
  const ws = workspaceOf(s);
  return ws ? [{ name, s, ws, config: LOADERS[ws](env(s)) }] : [];
});

/** Ports each service listens on inside the compose network, from the code and the mounted configs. */
function listeningPorts(name: string): number[] {
  const s = compose.services[name];
  if (!s) return [];
  const server = servers.find((x) => x.name === name);
  if (server) return [server.config.server.port];
  const image = s.image ?? "";
  if (image.includes("pgbouncer")) {
    const ini = bindMounts(s).find((m) => m.target === "/etc/pgbouncer/pgbouncer.ini");
    const port = ini && /^listen_port\s*=\s*(\d+)/m.exec(read(ini.source))?.[1];
    return port ? [Number(port)] : [];
  }
  if (image.startsWith("apache/kafka")) {
    const listeners = env(s).KAFKA_LISTENERS ?? "";
    return [...listeners.matchAll(/(\w+):\/\/[^:,]*:(\d+)/g)]
      .filter((m) => m[1] !== "CONTROLLER")
      .map((m) => Number(m[2]));
  }
  // the images' documented defaults
  const defaults: [string, number[]][] = [
    ["postgres:", [5432]],
    ["redis:", [6379]],
    ["jaegertracing/", [4317, 4318, 16686]],
    ["prom/prometheus", [9090]],
    ["grafana/grafana", [3000]],
    ["kafbat/kafka-ui", [8080]],
  ];
  return defaults.find(([prefix]) => image.startsWith(prefix))?.[1] ?? [];
}
/** The services answering to a host name: a service name, or a network alias several may share. */
function answering(host: string): string[] {
  return services.filter(([name, s]) => name === host || aliases(s).includes(host)).map(([name]) => name);
}
/** host:port pairs in an env value or argument: URLs (scheme://[user@]host:port) and bare host:port lists. */
function endpoints(value: string): { host: string; port: number }[] {
  return value.split(",").flatMap((item) => {
    const m = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^@/]*@)?([a-z][a-z0-9.-]*):(\d+)(?:\/.*)?$/i.exec(item.trim());
    return m?.[1] && m[2] ? [{ host: m[1], port: Number(m[2]) }] : [];
  });
}

// ======================================================================================================
describe("compose.yaml against the Compose Specification", () => {
  test("is valid by the schema Docker Compose validates with (compose-go's compose-spec.json)", async () => {
    // fetched once through the Go module proxy and cached in .tools/ (ignored): `just test-deps` runs
    // this script too; here it makes the test work on its own, and fail loudly when it cannot fetch
    const fetched = await runCommand(["bash", "scripts/ensure-compose-schema.sh"], {}, ROOT);
    if (fetched.code !== 0) {
      throw new Error(`could not get the Compose Specification schema:\n${fetched.output}`);
    }
    const schemaPath = fetched.output.trim().split("\n").at(-1) ?? "";
    const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
    // strict: a keyword or format this Ajv does not know fails compilation instead of being ignored;
    // strictTypes / strictRequired judge how the schema is written, not what it accepts
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    const errors = (validate.errors ?? []).map(
      (e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`,
    );
    expect(errors).toEqual([]);
    expect(valid).toBe(true);

    // and the validator does reject what Compose rejects (else the check above proves nothing)
    const broken = structuredClone(compose) as unknown as {
      services: Record<string, Record<string, unknown>>;
    };
    broken.services.cart = { ...broken.services.cart, healthcheck: { test: ["CMD", "true"], interval: 5 } };
    broken.services.products = { ...broken.services.products, port: ["8082:8082"] };
    expect(validate(broken)).toBe(false);
    const paths = (validate.errors ?? []).map((e) => e.instancePath);
    expect(paths).toContain("/services/cart/healthcheck/interval");
    expect(paths).toContain("/services/products");
  });

  test("has no variables for Compose to interpolate: every $ in it is meant literally ($$)", () => {
    // an unescaped ${X} would be replaced from the host's environment when compose.yaml is loaded
    expect(composeText.replace(/\$\$/g, "").match(/\$\{?\w+/g) ?? []).toEqual([]);
  });
});

// ======================================================================================================
describe("compose.yaml against the code", () => {
  test("runs every app service (products, loms ×2, cart, notifier ×3) from the one image, with an entry file that exists", () => {
    const images = new Set(appServices.map(([, s]) => s.image));
    expect(images.size).toBe(1);
    const byWorkspace = (ws: Workspace) => servers.filter((x) => x.ws === ws).map((x) => x.name);
    expect(byWorkspace("products")).toEqual(["products"]);
    expect(byWorkspace("loms")).toEqual(["loms-1", "loms-2"]);
    expect(byWorkspace("cart")).toEqual(["cart"]);
    expect(byWorkspace("notifier")).toEqual(["notifier-1", "notifier-2", "notifier-3"]);
    for (const [name, s] of appServices) {
      expect({ name, runtime: argv(s.command)[0] }).toEqual({ name, runtime: "bun" });
      expect({ name, exists: existsSync(join(ROOT, entryOf(s))) }).toEqual({ name, exists: true });
    }
  });

  test("sets only variables the service's code reads", () => {
    for (const [name, s] of appServices) {
      const ws = workspaceOf(s);
      // a workspace's own sources and the platform's; a script (the topic set-up): that file
      const unread = unreadVariables(Object.keys(env(s)), ws ? codeOf(ws) : read(entryOf(s)));
      expect({ service: name, unread }).toEqual({ service: name, unread: [] });
    }
  });

  test("every app service's settings are valid for its config loader, and it listens where it is published", () => {
    for (const { name, s, config } of servers) {
      // the default 127.0.0.1 would be unreachable from outside the container
      expect({ name, host: config.server.host }).toEqual({ name, host: "0.0.0.0" });
      const ports = published(s);
      expect(ports.length).toBeGreaterThan(0);
      for (const [, container] of ports)
        expect({ name, container }).toEqual({ name, container: config.server.port });
      const probe = argv(s.healthcheck?.test).join(" ");
      expect({ name, probe: /127\.0\.0\.1:(\d+)\/readyz/.exec(probe)?.[1] }).toEqual({
        name,
        probe: String(config.server.port),
      });
    }
  });

  test("publishes the app services on the native stack's host ports (scripts/stack.sh), and no host port twice", () => {
    const stack = read("scripts/stack.sh");
    const portOf = Object.fromEntries(
      [...(/port_of\(\) \{([\s\S]*?)\n\}/.exec(stack)?.[1] ?? "").matchAll(/([\w-]+)\) echo (\d+)/g)].map(
        (m) => [m[1], Number(m[2])],
      ),
    );
    expect(Object.keys(portOf).length).toBeGreaterThan(0);
    for (const { name, s } of servers) {
      // loms-1 is the native stack's loms (loms-2 is loms-2 in both)
      const native = portOf[name] ?? portOf[name.replace(/-1$/, "")];
      if (native === undefined) continue;
      expect({ name, host: published(s).map(([host]) => host) }).toEqual({ name, host: [native] });
    }
    const hostPorts = services.flatMap(([, s]) => published(s).map(([host]) => host));
    expect(hostPorts.length).toBe(new Set(hostPorts).size);
  });

  test("every address a service is given names a service listening on that port, and is waited for", () => {
    for (const [name, s] of appServices) {
      const values = [...Object.values(env(s)), ...argv(s.command).slice(2)];
      for (const { host, port } of values.flatMap(endpoints)) {
        const targets = answering(host);
        expect({ name, host, answers: targets.length > 0 }).toEqual({ name, host, answers: true });
        for (const t of targets) {
          expect({ name, target: t, listens: listeningPorts(t).includes(port) }).toEqual({
            name,
            target: t,
            listens: true,
          });
          // tracing is best effort: a service need not wait for Jaeger
          if (!compose.services[t]?.image?.startsWith("jaegertracing/")) {
            expect({ name, waitsFor: t, ok: t in dependsOn(s) }).toEqual({ name, waitsFor: t, ok: true });
          }
        }
      }
    }
  });

  test("depends_on names existing services, with a condition each of them can meet", () => {
    for (const [name, s] of services) {
      for (const [target, condition] of Object.entries(dependsOn(s))) {
        const t = compose.services[target];
        expect({ name, target, exists: t !== undefined }).toEqual({ name, target, exists: true });
        if (condition === "service_healthy") {
          expect({ name, target, healthcheck: t?.healthcheck?.test !== undefined }).toEqual({
            name,
            target,
            healthcheck: true,
          });
        }
        if (condition === "service_completed_successfully") {
          // a one-shot: restarting it would make it never "complete"
          expect({ name, target, restart: t?.restart }).toEqual({ name, target, restart: "no" });
        }
      }
    }
  });

  test("every file mounted from the repository exists", () => {
    const mounts = services.flatMap(([name, s]) => bindMounts(s).map((m) => ({ name, ...m })));
    expect(mounts.length).toBeGreaterThan(0);
    for (const m of mounts) {
      expect({ ...m, exists: existsSync(join(ROOT, m.source)) }).toEqual({ ...m, exists: true });
    }
  });

  test("LOMS writes through PgBouncer without prepared statements, and each shard's primary, bouncer and replica belong together", () => {
    const loms = servers.filter((x) => x.ws === "loms");
    expect(loms.length).toBe(2);
    for (const { name, s } of loms) {
      const config = loadLomsConfig(env(s));
      const shards = config.postgres.shards;
      expect(shards.length).toBe(2);
      expect(config.postgres.prepare).toBe(false);
      for (const [i, shard] of shards.entries()) {
        const bouncer = compose.services[new URL(shard.primary).hostname];
        expect(bouncer?.image).toContain("pgbouncer");
        const databases = bindMounts(bouncer ?? {}).find((m) => m.target === "/etc/pgbouncer/databases.ini");
        const line = /^(\w+)\s*=\s*host=(\S+)\s+port=(\d+)\s+dbname=(\w+)/m.exec(
          read(databases?.source ?? ""),
        );
        const primary = line?.[2] ?? "";
        expect({ name, shard: i, database: line?.[1] }).toEqual({
          name,
          shard: i,
          database: new URL(shard.primary).pathname.slice(1),
        });
        // the replica LOMS reads from streams from the very primary this shard's bouncer writes to
        const replicaName = new URL(shard.replica ?? "").hostname;
        const replica = compose.services[replicaName];
        expect({ shard: i, replicaOf: env(replica ?? {}).PRIMARY_HOST }).toEqual({
          shard: i,
          replicaOf: primary,
        });
        // and is the standby the primary waits for on every commit
        const primaryCmd = argv(compose.services[primary]?.command).join(" ");
        expect(primaryCmd).toContain(
          `synchronous_standby_names=FIRST 1 (${env(replica ?? {}).REPLICA_NAME})`,
        );
        expect(primaryCmd).toContain("synchronous_commit=remote_apply");
      }
    }
  });
});

// ======================================================================================================
describe("deploy/ configs against compose.yaml and the code", () => {
  const prometheus = Bun.YAML.parse(read("deploy/prometheus/prometheus.yml")) as {
    scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
  };

  test("Prometheus scrapes every app server once, by compose name and the port it listens on", () => {
    const targets = prometheus.scrape_configs.flatMap((j) => j.static_configs.flatMap((c) => c.targets));
    expect(targets.length).toBe(new Set(targets).size);
    for (const target of targets) {
      const [host = "", port = ""] = target.split(":");
      expect({ target, listens: listeningPorts(host).includes(Number(port)) }).toEqual({
        target,
        listens: true,
      });
    }
    expect(targets.map((t) => t.split(":")[0]).sort()).toEqual(servers.map((x) => x.name).sort());
  });

  const dashboardFiles = readdirSync(join(ROOT, "deploy/grafana/dashboards")).filter((f) =>
    f.endsWith(".json"),
  );
  interface Panel {
    title?: string;
    datasource?: { uid?: string };
    targets?: { expr?: string; datasource?: { uid?: string } }[];
    panels?: Panel[];
  }
  const dashboards = dashboardFiles.map(
    (f) => JSON.parse(read(`deploy/grafana/dashboards/${f}`)) as { uid: string; panels: Panel[] },
  );
  const allPanels = (ps: Panel[]): Panel[] => ps.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);

  test("Grafana provisions the dashboards compose mounts, from data sources it provisions", () => {
    expect(dashboards.length).toBeGreaterThan(0);
    const grafana = compose.services.grafana as Service;
    const mounted = bindMounts(grafana);
    const provider = Bun.YAML.parse(read("deploy/grafana/provisioning/dashboards/dashboards.yaml")) as {
      providers: { options: { path: string } }[];
    };
    for (const p of provider.providers) {
      expect(mounted.find((m) => m.target === p.options.path)?.source).toBe("./deploy/grafana/dashboards");
    }
    const sources = Bun.YAML.parse(read("deploy/grafana/provisioning/datasources/datasources.yaml")) as {
      datasources: { uid: string; url: string }[];
    };
    for (const ds of sources.datasources) {
      const { host, port } = endpoints(ds.url)[0] ?? { host: "", port: 0 };
      expect({ ds: ds.uid, listens: listeningPorts(host).includes(port) }).toEqual({
        ds: ds.uid,
        listens: true,
      });
    }
    const uids = new Set(sources.datasources.map((d) => d.uid));
    for (const panel of dashboards.flatMap((d) => allPanels(d.panels))) {
      for (const ds of [panel.datasource, ...(panel.targets ?? []).map((t) => t.datasource)]) {
        if (ds?.uid)
          expect({ panel: panel.title, uid: ds.uid, known: uids.has(ds.uid) }).toEqual({
            panel: panel.title,
            uid: ds.uid,
            known: true,
          });
      }
    }
  });

  test("every metric a dashboard queries is one the code registers", () => {
    const exprs = dashboards.flatMap((d) =>
      allPanels(d.panels).flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    );
    const metrics = new Set(exprs.flatMap((e) => (e ? metricNames(e) : [])));
    // the dashboard covers what the issue asks for
    for (const m of [
      "rpc_server_requests_total",
      "rpc_server_duration_seconds_bucket",
      "db_query_duration_seconds_bucket",
      "db_pool_in_use",
      "db_pool_max",
      "loms_outbox_backlog",
      "notifier_consumer_lag",
      "products_limiter_wait_seconds_bucket",
      "product_cache_lookups_total",
      "notifier_events_total",
    ]) {
      expect(metrics).toContain(m);
    }
    const code = [...sources.values()].join("\n");
    const registered = (name: string) => code.includes(`name: "${name}"`);
    const missing = [...metrics].filter((m) => {
      if (m === "up") return false; // Prometheus' own, per target
      const base = m.replace(/_(bucket|sum|count)$/, "");
      return !registered(m) && !(base !== m && registered(base));
    });
    expect(missing).toEqual([]);
  });

  test("the Dockerfile runs the Bun version package.json pins, and copies what the commands run", () => {
    const dockerfile = read("Dockerfile");
    const pkg = JSON.parse(read("package.json")) as { devDependencies: Record<string, string> };
    const froms = [...dockerfile.matchAll(/^FROM\s+oven\/bun:(\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThan(0);
    for (const tag of froms) expect(tag?.split("-")[0]).toBe(pkg.devDependencies.bun);

    const copied = [...dockerfile.matchAll(/^COPY\s+(?!--from)(.+)$/gm)].flatMap((m) => {
      const words = (m[1] ?? "").trim().split(/\s+/);
      return words.slice(0, -1).filter((w) => !w.startsWith("--"));
    });
    for (const source of copied) {
      expect({ source, exists: existsSync(join(ROOT, source)) }).toEqual({ source, exists: true });
    }
    for (const [name, s] of appServices) {
      const entry = entryOf(s);
      const covered = copied.some((c) => entry === c || entry.startsWith(`${c.replace(/\/$/, "")}/`));
      expect({ name, entry, copied: covered }).toEqual({ name, entry, copied: true });
    }
    // LOMS reads its migrations at run time
    expect(copied).toContain("sql/migrations");

    // and .dockerignore keeps none of it out of the build context (a pattern excludes a path and all below it)
    const ignored = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    expect(ignored.some((p) => p.startsWith("!"))).toBe(false); // exceptions would need the full rules
    const excluded = (path: string) => {
      const parts = path.replace(/\/$/, "").split("/");
      const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
      return ignored.filter((p) => prefixes.some((prefix) => new Bun.Glob(p).match(prefix)));
    };
    for (const path of [...copied, ...appServices.map(([, s]) => entryOf(s))]) {
      expect({ path, excludedBy: excluded(path) }).toEqual({ path, excludedBy: [] });
    }
    expect(excluded("loms/test/e2e.test.ts")).toEqual(["**/test"]);
  });

  test("the mounted shell scripts are executable bash with strict mode, or safe to be sourced", () => {
    for (const file of ["deploy/postgres/replica-entrypoint.sh", "deploy/postgres/healthcheck.sh"]) {
      expect(read(file)).toContain("set -euo pipefail");
    }
    // the postgres entrypoint sources a non-executable init script: it must not change shell options
    expect(read("deploy/postgres/primary-init.sh")).not.toMatch(/^\s*set -/m);
    for (const file of readdirSync(join(ROOT, "deploy/postgres"))) {
      expect({
        file,
        executable: (statSync(join(ROOT, "deploy/postgres", file)).mode & 0o111) !== 0,
      }).toEqual({
        file,
        executable: true,
      });
    }
  });
});

/**
 * The metric names a PromQL expression reads: label matchers, ranges, strings and grouping clauses
 * removed, function and aggregation names (anything followed by `(`) and keywords dropped.
 */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const keywords = new Set(["and", "or", "unless", "bool", "offset", "inf", "nan"]);
  return [...stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?/g)]
    .filter((m) => !m[2] && m[1] && !keywords.has(m[1].toLowerCase()))
    .map((m) => m[1] as string);
}

test("metricNames finds metrics, not functions, labels or keywords", () => {
  expect(
    metricNames(
      'histogram_quantile(0.99, sum by (le, shard) (rate(db_query_duration_seconds_bucket{role="primary"}[$__rate_interval])))',
    ),
  ).toEqual(["db_query_duration_seconds_bucket"]);
  expect(
    metricNames("max by (instance) (db_pool_in_use) / on(instance) db_pool_max > bool 0.5 or up"),
  ).toEqual(["db_pool_in_use", "db_pool_max", "up"]);
});
