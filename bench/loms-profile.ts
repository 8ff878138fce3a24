// `just bench loms-profile [SCENARIO]`: where LOMS's CPU goes on PostgreSQL. Starts setup (a) (one
// durable primary), LOMS with WORKERS=1 and an admin token, loads it with SCENARIO (StocksInfo,
// rest:StocksInfo, OrderCreate, rest:OrderCreate… as bench/grpc-load.ts names them; default
// StocksInfo) and records a CPU profile over the load (POST /debug/cpu). Prints the functions with
// the most self time, grouped by package, and where the .cpuprofile was written (open it in Chrome
// DevTools or speedscope).
import { spawnService } from "@route256/testkit/spawn-service";
import { rawSql } from "../loms/test/postgres/support.ts";
import { grpcLoad, SECONDS } from "./load.ts";
import { onePrimary } from "./pg-setups.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

const scenario = process.argv[2] ?? "StocksInfo";
const TOKEN = "bench-profile";
const setup = await onePrimary();
try {
  const loms = await spawnService("loms/src/main.ts", {
    portEnv: "LOMS_PORT",
    env: { ...setup.env, LOG_LEVEL: "warn", WORKERS: "1", ADMIN_TOKEN: TOKEN },
    timeoutMs: 60_000,
  });
  try {
    const stocks = rawSql(setup.stockPrimary);
    await stocks`UPDATE stocks SET total_count = 1000000000`;
    await stocks.end();
    const load = grpcLoad(loms.url, scenario);
    await Bun.sleep(1000); // past the warm-up
    const res = await fetch(`${loms.url}/debug/cpu?seconds=${Math.max(1, SECONDS - 2)}`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const written = (await res.json()) as { file: string };
    const r = await load;
    console.log(`${scenario}: ${Math.round(r.rps)} req/s, p99 ${r.p99.toFixed(1)} ms, ${r.errors} errors`);
    const profile = (await Bun.file(written.file).json()) as Profile;
    report(profile);
    console.log(`profile: ${written.file}`);
  } finally {
    await loms.stop();
  }
} finally {
  await setup.cluster.destroy();
}

function report(profile: Profile): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  for (const id of profile.samples) {
    const f = byId.get(id)?.callFrame;
    const where = f?.url ? f.url.replace(/^.*node_modules\//, "").replace(/^.*\/wt-[^/]+\//, "") : "(native)";
    const key = `${f?.functionName || "(anonymous)"} ${where}:${(f?.lineNumber ?? 0) + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + 1);
    const group = f?.url
      ? (/node_modules\/(@[^/]+\/[^/]+|[^/]+)/.exec(f.url)?.[1] ?? where.split("/").slice(0, 3).join("/"))
      : f?.functionName || "(native)";
    pkg.set(group, (pkg.get(group) ?? 0) + 1);
  }
  const total = profile.samples.length;
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${((v / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
  console.log(`\nself time by package/file (${total} samples):\n${top(pkg, 25).join("\n")}`);
  console.log(`\nself time by function:\n${top(fn, 40).join("\n")}`);
}
