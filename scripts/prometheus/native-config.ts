// Prints the native stack's Prometheus configuration: deploy/prometheus/prometheus.yml — the file
// compose's Prometheus reads — with each target's compose address (`loms-2:8084`) replaced by where
// that container is published on the host (`127.0.0.1:8085`, from compose.yaml's `ports`), which is
// where scripts/stack.sh runs the same instance. Every other line stays as it is: same jobs, same
// scrape interval. `bun scripts/prometheus/native-config.ts > prometheus.yml`
import { readFileSync } from "node:fs";

const ROOT = new URL("../../", import.meta.url).pathname;

export interface Compose {
  services: Record<string, { ports?: (string | number)[] }>;
}

/** "service:containerPort" → "127.0.0.1:hostPort", for every port compose publishes. */
export function publishedAddresses(compose: Compose): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, service] of Object.entries(compose.services)) {
    for (const spec of service.ports ?? []) {
      // compose.yaml publishes as "127.0.0.1:HOST:CONTAINER" (loopback only)
      const m = /^(127\.0\.0\.1):(\d+):(\d+)$/.exec(String(spec));
      if (m) out.set(`${name}:${m[3]}`, `${m[1]}:${m[2]}`);
    }
  }
  return out;
}

/** The Prometheus configuration text with every quoted target moved to its published address. */
export function nativeConfig(prometheusYml: string, published: Map<string, string>): string {
  return prometheusYml.replace(/"([\w-]+:\d+)"/g, (_quoted, target: string) => {
    const address = published.get(target);
    if (!address)
      throw new Error(`prometheus.yml scrapes ${target}, which compose.yaml does not publish on the host`);
    return `"${address}"`;
  });
}

if (import.meta.main) {
  const compose = Bun.YAML.parse(readFileSync(`${ROOT}compose.yaml`, "utf8")) as Compose;
  const source = readFileSync(`${ROOT}deploy/prometheus/prometheus.yml`, "utf8");
  process.stdout.write(
    "# written by scripts/prometheus/native-config.ts from deploy/prometheus/prometheus.yml: edit that file\n" +
      nativeConfig(source, publishedAddresses(compose)),
  );
}
