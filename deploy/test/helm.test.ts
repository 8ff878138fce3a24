// The Helm chart (deploy/helm/route256) is never installed on the development machines (no cluster runs
// here), so this test is what keeps it honest: `helm lint`, `helm template` with the default values and
// every values file in its ci/ folder, every rendered manifest validated strictly against the Kubernetes
// API schemas and the CloudNativePG / Strimzi / Prometheus Operator CRDs at pinned versions (kubeconform),
// and the rendered objects held to the code — the variables the services read, the ports they listen on,
// the probe paths they serve, the topics and partition counts they expect — and to each other.
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runCommand } from "@route256/testkit/run-script";
import { TOPICS } from "../../scripts/kafka/create-topics.ts";
import { codeOf, isWorkspace, LOADERS, ROOT, read, sources, unreadVariables } from "./support/code.ts";
import { crdSchemas, strict, writeForKubeconform } from "./support/crd-schemas.ts";

const CHART = join(ROOT, "deploy/helm/route256");
const CI_VALUES = readdirSync(join(CHART, "ci"))
  .filter((f) => f.endsWith("-values.yaml"))
  .sort();
/** The value sets rendered: the defaults, and each ci/ file. */
const VALUE_SETS = ["default", ...CI_VALUES];

// ---- the Kubernetes objects, as far as these checks need them ------------------------------------------
type Json = Record<string, unknown>;
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Json;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  resources?: { requests?: Json; limits?: Json };
  securityContext?: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean };
  volumes?: { name: string; emptyDir?: Json }[];
}
interface Workload extends K8sObject {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

interface Tools {
  helm: string;
  kubeconform: string;
  /** kubeconform's -schema-location for the Kubernetes API and the Kubernetes version of those schemas */
  kubeSchemas: string;
  kubeVersion: string;
  /** the CRD files the schemas are made from */
  crdDir: string;
}
let tools: Tools;
const renders = new Map<string, { text: string; objects: K8sObject[] }>();
let scratch: string;

/** Runs a command, failing with its output when it exits non-zero. */
async function must(argv: string[]): Promise<string> {
  const r = await runCommand(argv, {}, ROOT);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} failed (exit ${r.code}):\n${r.output}`);
  return r.output;
}
const helmArgs = (set: string) => (set === "default" ? [] : ["--values", join(CHART, "ci", set)]);

beforeAll(async () => {
  // Built and fetched once into .tools/ (ignored); `just test-deps` runs both scripts before the tests.
  // Here they make this file work on its own, and fail loudly when they cannot fetch. A first build of
  // helm takes minutes on a loaded 2-core machine; afterwards both scripts return at once.
  const built = await must(["bash", "scripts/ensure-k8s-tools.sh", "helm", "kubeconform"]);
  const path = (name: string) =>
    built
      .split("\n")
      .find((l) => l.startsWith(`${name} `))
      ?.split(" ")[2] ?? "";
  const schemaDir = (await must(["bash", "scripts/ensure-k8s-schemas.sh"])).trim().split("\n").at(-1) ?? "";
  const kube = readdirSync(join(schemaDir, "kubernetes")).find((d) => /^v\d+\.\d+\.\d+$/.test(d)) ?? "";
  tools = {
    helm: path("helm"),
    kubeconform: path("kubeconform"),
    kubeSchemas: join(schemaDir, "kubernetes", kube, "{{ .ResourceKind }}{{ .KindSuffix }}.json"),
    kubeVersion: kube.slice(1),
    crdDir: join(schemaDir, "crds"),
  };
  scratch = mkdtempSync(join(tmpdir(), "helm-test-"));
  process.once("exit", () => rmSync(scratch, { recursive: true, force: true }));
  for (const set of VALUE_SETS) {
    const text = await must([
      tools.helm,
      "template",
      "route256",
      CHART,
      "--namespace",
      "shop",
      "--kube-version",
      tools.kubeVersion,
      ...helmArgs(set),
    ]);
    // runCommand appends stderr: helm's log lines (it notes the dashboard link) are not manifests
    const manifests = text
      .split("\n")
      .filter((l) => !l.startsWith("level="))
      .join("\n");
    const objects = (Bun.YAML.parse(manifests) as (K8sObject | null)[]).filter(
      (o): o is K8sObject => o !== null,
    );
    renders.set(set, { text: manifests, objects });
  }
}, 900_000);

// ---- lookups in one render ------------------------------------------------------------------------------
const objectsOf = (set: string) => renders.get(set)?.objects ?? [];
const ofKind = <T extends K8sObject = K8sObject>(set: string, kind: string) =>
  objectsOf(set).filter((o) => o.kind === kind) as T[];
const named = <T extends K8sObject = K8sObject>(set: string, kind: string, name: string) =>
  ofKind<T>(set, kind).find((o) => o.metadata.name === name);

/** The application Deployments: those running `bun <workspace>/src/main.ts`, with their workspace. */
function apps(set: string) {
  return ofKind<Workload>(set, "Deployment").flatMap((d) => {
    const c = d.spec.template.spec.containers[0] as Container;
    const ws = /^(\w+)\/src\/main\.ts$/.exec(c.command?.[1] ?? "")?.[1];
    return isWorkspace(ws) ? [{ d, c, ws }] : [];
  });
}
const app = (set: string, ws: string) => {
  const found = apps(set).find((a) => a.ws === ws);
  if (!found) throw new Error(`no ${ws} Deployment in the ${set} render`);
  return found;
};

/**
 * A container's environment as the kubelet builds it: envFrom first (ConfigMaps, Secrets), then env,
 * with $(VAR) expanded from what is defined before. Values the cluster supplies (other Secrets, the
 * downward API) become recognisable stand-ins.
 */
function environment(set: string, c: Container): Record<string, string> {
  const out: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const cm = from.configMapRef && named(set, "ConfigMap", from.configMapRef.name);
    const secret = from.secretRef && named(set, "Secret", from.secretRef.name);
    Object.assign(out, cm?.data ?? {}, secret?.stringData ?? {});
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) out[e.name] = e.value.replace(/\$\((\w+)\)/g, (m, v) => out[v] ?? m);
    else if (e.valueFrom?.secretKeyRef)
      out[e.name] = `from${e.valueFrom.secretKeyRef.name}${e.valueFrom.secretKeyRef.key}`.replace(/\W/g, "");
    else if (e.valueFrom?.fieldRef) out[e.name] = "pod-0";
  }
  return out;
}
/** Variables only there to be spliced into others: $(VAR) references in env values. */
const referenced = (c: Container) =>
  new Set((c.env ?? []).flatMap((e) => [...(e.value ?? "").matchAll(/\$\((\w+)\)/g)].map((m) => m[1])));

/** The Service (name, port) an in-cluster URL or host:port points at, when it names one of the render. */
function serviceAt(set: string, hostPort: string) {
  const m = /^(?:[a-z]+:\/\/)?(?:[^@/]*@)?([a-z0-9.-]+):(\d+)/.exec(hostPort);
  if (!m) return undefined;
  const svc = named(set, "Service", m[1] as string);
  return svc ? { svc, port: Number(m[2]) } : undefined;
}
const servicePorts = (svc: K8sObject) =>
  (svc.spec?.ports ?? []) as {
    name: string;
    port: number;
    targetPort: string | number;
    appProtocol?: string;
  }[];
/** The pods a Service or PDB selector picks: the workloads whose pod labels include the selector. */
function selected(set: string, selector: Record<string, string>): Workload[] {
  return [...ofKind<Workload>(set, "Deployment"), ...ofKind<Workload>(set, "StatefulSet")].filter((w) =>
    Object.entries(selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v),
  );
}

// ======================================================================================================
describe("the chart renders and lints", () => {
  test("helm lint --strict passes with the default values and every ci/ values file", async () => {
    for (const set of VALUE_SETS) {
      const out = await must([tools.helm, "lint", "--strict", CHART, ...helmArgs(set)]);
      expect({ set, out: out.includes("0 chart(s) failed") }).toEqual({ set, out: true });
    }
  });

  test("the defaults run everything in the cluster: 2 CNPG shards with poolers, a 3-node KRaft Kafka, Redis", () => {
    const kinds = (set: string) =>
      objectsOf(set).reduce<Record<string, number>>((n, o) => {
        n[o.kind] = (n[o.kind] ?? 0) + 1;
        return n;
      }, {});
    expect(kinds("default")).toMatchObject({
      Deployment: 4,
      Service: 5,
      HorizontalPodAutoscaler: 3,
      PodDisruptionBudget: 4,
      Cluster: 2,
      Pooler: 2,
      Kafka: 1,
      KafkaNodePool: 1,
      KafkaTopic: 2,
      StatefulSet: 1,
    });
    expect(kinds("default").ServiceMonitor).toBeUndefined();
    // the HPAs scale products, cart and LOMS; the notifier is a fixed consumer group of 3
    expect(
      ofKind("default", "HorizontalPodAutoscaler")
        .map((h) => (h.spec?.scaleTargetRef as { name?: string } | undefined)?.name)
        .sort(),
    ).toEqual(["route256-cart", "route256-loms", "route256-products"]);
    expect(app("default", "notifier").d.spec.replicas).toBe(3);
  });

  test("3 shards, 5 LOMS, external Kafka: three CNPG shards, LOMS scales from 5, no Strimzi objects", () => {
    const set = "3-shards-5-loms-external-kafka-values.yaml";
    expect(ofKind(set, "Cluster").length).toBe(3);
    expect(ofKind(set, "Pooler").length).toBe(3);
    for (const kind of ["Kafka", "KafkaNodePool", "KafkaTopic"]) expect(ofKind(set, kind)).toEqual([]);
    const hpa = named(set, "HorizontalPodAutoscaler", "route256-loms");
    expect(hpa?.spec?.minReplicas).toBe(5);
    expect(ofKind(set, "ServiceMonitor").length).toBe(4);
    expect(named(set, "ConfigMap", "route256-dashboard")).toBeDefined();
  });

  test("all external: only the four services, pointed at the managed endpoints", () => {
    const set = "all-external-values.yaml";
    expect([...new Set(objectsOf(set).map((o) => o.kind))].sort()).toEqual([
      "ConfigMap",
      "Deployment",
      "PodDisruptionBudget",
      "Secret",
      "Service",
    ]);
    const env = environment(set, app(set, "loms").c);
    expect(env.LOMS_PG_PRIMARIES).toContain("pgbouncer-1.db.example.internal:6432");
    expect(env.LOMS_KAFKA_BROKERS).toBe("kafka.example.internal:9092");
    expect(environment(set, app(set, "cart").c).CART_REDIS_URL).toStartWith("rediss://");
    expect(app(set, "loms").d.spec.replicas).toBe(3);
  });

  test("values the services would refuse, and misspelt ones, fail the render naming the value", async () => {
    const bad = async (...sets: string[]) => {
      const r = await runCommand(
        [
          tools.helm,
          "template",
          "x",
          CHART,
          "--kube-version",
          tools.kubeVersion,
          ...sets.flatMap((s) => ["--set", s]),
        ],
        {},
        ROOT,
      );
      expect(r.code).not.toBe(0);
      return r.output;
    };
    // values.schema.json
    expect(await bad("postgres.cnpg.shards=11")).toContain("/postgres/cnpg/shards");
    expect(await bad("postgres.cnpg.shard=3")).toContain("additional properties 'shard' not allowed");
    expect(await bad("kafka.external.bootstrap=kafka")).toContain("/kafka/external/bootstrap");
    expect(await bad("redis.external.url=redis-host:6379")).toContain("/redis/external/url");
    // the templates' own checks, across values
    expect(await bad("postgres.stockShard=2")).toContain("postgres.stockShard: no such shard");
    expect(await bad("cart.productsToken=nope")).toContain(
      "cart.productsToken must be one of products.tokens",
    );
    expect(await bad("postgres.external.shards[0].replica=postgres://r/x")).toContain(
      "missing property 'primary'",
    );
    expect(
      await bad(
        "postgres.external.shards[0].primary=postgres://p0/x",
        "postgres.external.shards[0].replica=postgres://r0/x",
        "postgres.external.shards[1].primary=postgres://p1/x",
      ),
    ).toContain("give every shard a replica, or none");
  });
});

// ======================================================================================================
describe("every rendered manifest is valid, strictly, against the pinned API schemas", () => {
  /** kubeconform over the files, strict: unknown fields and duplicate keys fail; a kind without a schema fails too. */
  async function kubeconform(files: string[]) {
    const crdJson = join(scratch, "crd-json");
    const schemas = readdirSync(tools.crdDir).flatMap((f) =>
      crdSchemas(Bun.YAML.parse(readFileSync(join(tools.crdDir, f), "utf8"))),
    );
    const objectMeta = `file://${join(dirname(tools.kubeSchemas), "_definitions.json")}#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`;
    const crdLocation = writeForKubeconform(schemas, crdJson, objectMeta);
    const r = await runCommand(
      [
        tools.kubeconform,
        "-strict",
        "-summary",
        "-output",
        "json",
        "-kubernetes-version",
        tools.kubeVersion,
        "-schema-location",
        tools.kubeSchemas,
        "-schema-location",
        crdLocation,
        ...files,
      ],
      {},
      ROOT,
    );
    const report = JSON.parse(r.output.slice(r.output.indexOf("{"))) as {
      resources: { kind: string; name: string; status: string; msg?: string; filename: string }[];
      summary: { valid: number; invalid: number; errors: number; skipped: number };
    };
    return { code: r.code, report };
  }

  test("Kubernetes API (strict) and the CloudNativePG, Strimzi and ServiceMonitor CRDs: every object of every render valid", async () => {
    const files = VALUE_SETS.map((set) => {
      const file = join(scratch, `${set.replace(/\.yaml$/, "")}.yaml`);
      writeFileSync(file, renders.get(set)?.text ?? "");
      return file;
    });
    const { code, report } = await kubeconform(files);
    const problems = report.resources
      .filter((r) => r.status !== "statusValid")
      .map((r) => `${r.filename}: ${r.kind}/${r.name}: ${r.status} ${r.msg ?? ""}`);
    expect(problems).toEqual([]);
    expect(code).toBe(0);
    const total = VALUE_SETS.reduce((n, set) => n + objectsOf(set).length, 0);
    expect(report.summary).toEqual({ valid: total, invalid: 0, errors: 0, skipped: 0 });
    // every kind the chart can render was seen by some value set
    const kinds = new Set(VALUE_SETS.flatMap((set) => objectsOf(set).map((o) => o.kind)));
    for (const kind of ["Cluster", "Pooler", "Kafka", "KafkaNodePool", "KafkaTopic", "ServiceMonitor"])
      expect(kinds).toContain(kind);
  }, 120_000);

  test("and it rejects what the API server would: unknown fields (metadata too), wrong types, values out of an enum, unknown kinds", async () => {
    const file = join(scratch, "broken.yaml");
    const objects = [
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", labelz: { x: "y" } } },
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "b" },
        spec: {
          selector: { matchLabels: { a: "b" } },
          template: {
            metadata: { labels: { a: "b" } },
            spec: { containers: [{ name: "c", image: "i", readinessProbe: { periodSecond: 5 } }] },
          },
        },
      },
      {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Cluster",
        metadata: { name: "c" },
        spec: {
          instances: 2,
          postgresql: { synchronous: { method: "most", number: 1 } },
          storage: { sise: 1 },
        },
      },
      {
        apiVersion: "kafka.strimzi.io/v1beta2",
        kind: "KafkaTopic",
        metadata: { name: "d" },
        spec: { partitions: "two" },
      },
      { apiVersion: "example.com/v1", kind: "Unknown", metadata: { name: "e" } },
      {
        apiVersion: "kafka.strimzi.io/v1beta2",
        kind: "KafkaNodePool",
        metadata: { name: "f", label: { "strimzi.io/cluster": "k" } },
        spec: { replicas: 3, roles: ["broker"], storage: { type: "ephemeral" } },
      },
    ];
    writeFileSync(file, objects.map((o) => JSON.stringify(o)).join("\n---\n"));
    const { code, report } = await kubeconform([file]);
    expect(code).not.toBe(0);
    const verdict = Object.fromEntries(report.resources.map((r) => [r.name, `${r.status} ${r.msg ?? ""}`]));
    expect(verdict.a).toContain("additional properties 'labelz' not allowed");
    expect(verdict.b).toContain("additional properties 'periodSecond' not allowed");
    expect(verdict.c).toContain("/spec/postgresql/synchronous/method");
    expect(verdict.c).toContain("additional properties 'sise' not allowed");
    expect(verdict.d).toContain("/spec/partitions");
    expect(verdict.e).toContain("could not find schema");
    // custom resources' metadata is checked like built-in kinds' (a "label" that should be "labels")
    expect(verdict.f).toContain("additional properties 'label' not allowed");
  });

  test("CRD schemas are made strict where the CRD lists its fields, and only there", () => {
    const schema = strict({
      type: "object",
      properties: {
        listed: { type: "object", properties: { a: { type: "string" } } },
        open: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { a: {} } },
        map: { type: "object", additionalProperties: { type: "object", properties: { b: {} } } },
        list: { type: "array", items: { type: "object", properties: { c: {} } } },
      },
    });
    const p = schema.properties as Record<string, Record<string, unknown>>;
    expect(schema.additionalProperties).toBe(false);
    expect(p.listed?.additionalProperties).toBe(false);
    expect(p.open?.additionalProperties).toBeUndefined();
    expect((p.map?.additionalProperties as Json | undefined)?.additionalProperties).toBe(false);
    expect((p.list?.items as Json | undefined)?.additionalProperties).toBe(false);
  });
});

// ======================================================================================================
describe.each(VALUE_SETS)("the chart against the code (%s)", (set) => {
  test("runs products, LOMS, cart and the notifier from the one image, with entry files that exist", () => {
    expect(
      apps(set)
        .map((a): string => a.ws)
        .sort(),
    ).toEqual(Object.keys(LOADERS).sort());
    expect(new Set(apps(set).map((a) => a.c.command?.[0])).size).toBe(1);
    for (const { c } of apps(set)) {
      expect(c.command?.[0]).toBe("bun");
      expect({ file: c.command?.[1], exists: existsSync(join(ROOT, c.command?.[1] ?? "")) }).toEqual({
        file: c.command?.[1],
        exists: true,
      });
    }
  });

  test("sets only variables the service's code reads (or that other variables splice in)", () => {
    for (const { c, ws } of apps(set)) {
      const names = Object.keys(environment(set, c)).filter((n) => !referenced(c).has(n));
      expect({ ws, unread: unreadVariables(names, codeOf(ws)) }).toEqual({ ws, unread: [] });
    }
  });

  test("the settings load with the service's config loader; it listens on 0.0.0.0 on the port the pod and Service name", () => {
    for (const { d, c, ws } of apps(set)) {
      const config = LOADERS[ws](environment(set, c));
      expect({ ws, host: config.server.host }).toEqual({ ws, host: "0.0.0.0" });
      const port = c.ports?.find((p) => p.name === "http");
      expect({ ws, port: port?.containerPort }).toEqual({ ws, port: config.server.port });
      const svc = named(set, "Service", d.metadata.name);
      const [sp] = servicePorts(svc as K8sObject);
      expect({ ws, target: sp?.targetPort, port: sp?.port }).toEqual({
        ws,
        target: "http",
        port: config.server.port,
      });
      // one port for gRPC, Connect and REST over HTTP/1.1 and h2c: meshes and gateways are told
      expect(sp?.appProtocol).toBe("kubernetes.io/h2c");
      expect(
        selected(set, (svc?.spec?.selector ?? {}) as Record<string, string>).map((w) => w.metadata.name),
      ).toEqual([d.metadata.name]);
    }
  });

  test("probes ask /readyz and /healthz on the service's port, routes the platform serves", () => {
    const ops = sources.get("platform/src/server/ops.ts") ?? "";
    for (const path of ["/readyz", "/healthz", "/metrics"]) expect(ops).toContain(`"${path}"`);
    for (const { c, ws } of apps(set)) {
      expect({ ws, readiness: c.readinessProbe?.httpGet }).toEqual({
        ws,
        readiness: { path: "/readyz", port: "http" },
      });
      expect({ ws, liveness: c.livenessProbe?.httpGet }).toEqual({
        ws,
        liveness: { path: "/healthz", port: "http" },
      });
      expect({ ws, startup: c.startupProbe?.httpGet }).toEqual({
        ws,
        startup: { path: "/healthz", port: "http" },
      });
    }
  });

  test("graceful shutdown: the pod's grace period covers the preStop sleep and SHUTDOWN_GRACE_MS of draining", () => {
    for (const { d, c, ws } of apps(set)) {
      const drainMs = LOADERS[ws](environment(set, c)).server.shutdownGraceMs;
      const sleep = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
      expect(sleep).toBeGreaterThan(0);
      const grace = d.spec.template.spec.terminationGracePeriodSeconds ?? 30;
      expect({ ws, enough: grace * 1000 >= sleep * 1000 + drainMs + 1000 }).toEqual({ ws, enough: true });
    }
  });

  test("non-root, read-only root file system, no privileges; writable only /tmp and /app/.run (emptyDirs); resources set", () => {
    for (const { d, c, ws } of apps(set)) {
      const pod = d.spec.template.spec;
      expect({ ws, nonRoot: pod.securityContext?.runAsNonRoot }).toEqual({ ws, nonRoot: true });
      expect({ ws, sc: c.securityContext }).toMatchObject({
        ws,
        sc: {
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ["ALL"] },
        },
      });
      expect((c.volumeMounts ?? []).map((m) => m.mountPath).sort()).toEqual(["/app/.run", "/tmp"]);
      for (const v of pod.volumes ?? [])
        expect({ ws, v: v.name, emptyDir: v.emptyDir !== undefined }).toEqual({
          ws,
          v: v.name,
          emptyDir: true,
        });
      // the admin routes' profiles land under the writable .run/ (PROFILE_DIR's default, relative to /app)
      const admin = LOADERS[ws]({ ...environment(set, c), ADMIN_TOKEN: "t" }).server.admin;
      expect(admin?.profileDir.startsWith(".run/")).toBe(true);
      expect(c.resources?.requests).toBeDefined();
      expect(c.resources?.limits).toBeDefined();
    }
    // and the Dockerfile's user is the one the pods run as
    expect(read("Dockerfile")).toMatch(/^USER bun$/m);
  });

  test("HPAs and PDBs point at the Deployments they are for", () => {
    for (const hpa of ofKind(set, "HorizontalPodAutoscaler")) {
      const target = (hpa.spec?.scaleTargetRef ?? {}) as { kind: string; name: string };
      expect(named(set, target.kind, target.name)).toBeDefined();
    }
    for (const pdb of ofKind(set, "PodDisruptionBudget")) {
      const sel =
        (pdb.spec?.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels ?? {};
      expect({ pdb: pdb.metadata.name, picks: selected(set, sel).length }).toEqual({
        pdb: pdb.metadata.name,
        picks: 1,
      });
    }
  });

  test("LOMS: one shard per CloudNativePG cluster (writes via its Pooler, reads from -ro) or per external URL, no prepared statements behind PgBouncer", () => {
    const { c } = app(set, "loms");
    const config = LOADERS.loms(environment(set, c));
    expect(config.storage).toBe("postgres");
    const clusters = ofKind(set, "Cluster");
    if (clusters.length === 0) {
      expect(config.postgres.shards.length).toBeGreaterThan(0);
      return; // external shards: their URLs are the values' own (checked in "all external")
    }
    expect(config.postgres.shards.length).toBe(clusters.length);
    expect(config.postgres.prepare).toBe(false);
    expect(config.postgres.stockShard).toBeLessThan(clusters.length);
    for (const [i, shard] of config.postgres.shards.entries()) {
      const cluster = clusters[i] as K8sObject;
      const spec = cluster.spec as {
        instances: number;
        postgresql: { synchronous: Json; parameters: Record<string, string> };
        bootstrap: { initdb: { database: string; owner: string } };
      };
      expect(cluster.metadata.name).toBe(`route256-pg-shard${i}`);
      // primary + one synchronous standby whose applied commits the -ro reads see
      expect(spec.instances).toBe(2);
      expect(spec.postgresql.synchronous).toMatchObject({
        method: "any",
        number: 1,
        dataDurability: "required",
      });
      expect(spec.postgresql.parameters.synchronous_commit).toBe("remote_apply");

      const primary = new URL(shard.primary);
      const pooler = named(set, "Pooler", primary.hostname);
      expect({ shard: i, pooler: pooler?.spec }).toMatchObject({
        shard: i,
        pooler: {
          type: "rw",
          cluster: { name: cluster.metadata.name },
          pgbouncer: { poolMode: "transaction" },
        },
      });
      expect(primary.port).toBe("5432");
      const replica = new URL(shard.replica ?? "");
      expect(replica.hostname).toBe(`${cluster.metadata.name}-ro`);
      for (const url of [primary, replica]) {
        expect(url.pathname).toBe(`/${spec.bootstrap.initdb.database}`);
        expect(url.username).toBe(spec.bootstrap.initdb.owner);
        // the password is the one CloudNativePG keeps in <cluster>-app
        expect(url.password).toBe(`from${cluster.metadata.name}apppassword`.replace(/\W/g, ""));
      }
    }
  });

  test("Kafka: LOMS and the notifier reach the Strimzi bootstrap (or the external one); topics as the code expects them", () => {
    const lomsBrokers = LOADERS.loms(environment(set, app(set, "loms").c)).events.kafkaBrokers;
    const notifier = LOADERS.notifier(environment(set, app(set, "notifier").c));
    expect(LOADERS.loms(environment(set, app(set, "loms").c)).events.transport).toBe("kafka");
    expect(notifier.kafka.brokers).toEqual(lomsBrokers);
    const kafka = ofKind(set, "Kafka")[0];
    if (!kafka) {
      expect(lomsBrokers.some((b) => b.includes("example.internal"))).toBe(true);
      return;
    }
    const spec = kafka.spec as {
      kafka: { listeners: { name: string; port: number; tls: boolean }[]; config: Record<string, unknown> };
    };
    const plain = spec.kafka.listeners.find((l) => !l.tls);
    expect(lomsBrokers).toEqual([`${kafka.metadata.name}-kafka-bootstrap:${plain?.port}`]);
    // KRaft through node pools: 3 nodes, each controller and broker
    expect(kafka.metadata.annotations).toMatchObject({
      "strimzi.io/kraft": "enabled",
      "strimzi.io/node-pools": "enabled",
    });
    const pools = ofKind(set, "KafkaNodePool");
    expect(pools.map((p) => p.metadata.labels?.["strimzi.io/cluster"])).toEqual([kafka.metadata.name]);
    expect(pools[0]?.spec).toMatchObject({ replicas: 3, roles: ["controller", "broker"] });
    expect(spec.kafka.config).toMatchObject({ "default.replication.factor": 3, "min.insync.replicas": 2 });
    // the topics and partition counts of scripts/kafka/create-topics.ts, replicated 3 ways, 2 in sync
    const topics = ofKind(set, "KafkaTopic");
    expect(Object.fromEntries(topics.map((t) => [t.spec?.topicName, t.spec?.partitions]))).toEqual({
      ...TOPICS,
    });
    for (const t of topics) {
      expect(t.metadata.labels?.["strimzi.io/cluster"]).toBe(kafka.metadata.name);
      expect(t.spec).toMatchObject({ replicas: 3, config: { "min.insync.replicas": 2 } });
    }
    expect(topics.map((t) => t.spec?.topicName)).toContain(notifier.kafka.topic);
  });

  test("cart reaches LOMS and products by their Services and ports, and Redis; the notifier is one group of named members", () => {
    const cart = LOADERS.cart(environment(set, app(set, "cart").c));
    for (const [ws, url] of [
      ["loms", cart.lomsUrl],
      ["products", cart.productsUrl],
    ] as const) {
      const at = serviceAt(set, url);
      expect({ ws, svc: at?.svc.metadata.name }).toEqual({ ws, svc: app(set, ws).d.metadata.name });
      expect(servicePorts(at?.svc as K8sObject).map((p) => p.port)).toContain(at?.port as number);
    }
    const notifier = app(set, "notifier");
    const redisUrls = [cart.redisUrl, LOADERS.notifier(environment(set, notifier.c)).redisUrl];
    expect(new Set(redisUrls).size).toBe(1);
    const redis = serviceAt(set, redisUrls[0] as string);
    if (named(set, "StatefulSet", "route256-redis")) {
      expect(redis?.svc.metadata.name).toBe("route256-redis");
      expect(redis?.port).toBe(6379);
    } else {
      expect(redis).toBeUndefined(); // a managed Redis
    }
    // the cart's own token is one products accepts
    const products = LOADERS.products(environment(set, app(set, "products").c));
    expect(products.tokens).toContain(cart.productsToken);
    expect(notifier.c.env?.find((e) => e.name === "NOTIFIER_INSTANCE")?.valueFrom?.fieldRef?.fieldPath).toBe(
      "metadata.name",
    );
  });

  test("ServiceMonitors scrape each app Service's /metrics; the dashboard is the one compose provisions", () => {
    for (const sm of ofKind(set, "ServiceMonitor")) {
      const spec = sm.spec as {
        selector: { matchLabels: Record<string, string> };
        endpoints: { port: string; path: string }[];
      };
      const svc = ofKind(set, "Service").find((s) =>
        Object.entries(spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v),
      );
      expect(servicePorts(svc as K8sObject).map((p) => p.name)).toContain(spec.endpoints[0]?.port as string);
      expect(spec.endpoints[0]?.path).toBe("/metrics");
    }
    const dashboard = named(set, "ConfigMap", "route256-dashboard");
    if (dashboard) {
      expect(JSON.parse(dashboard.data?.["route256.json"] ?? "")).toEqual(
        JSON.parse(read("deploy/grafana/dashboards/route256.json")),
      );
      expect(dashboard.metadata.labels?.grafana_dashboard).toBe("1");
    }
  });
});
