import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** Per-RPC metrics, labelled by service, method and the final Connect code (snake_case). */
export interface RpcMetrics {
  readonly registry: Registry;
  readonly requests: Counter<"service" | "method" | "code">;
  readonly duration: Histogram<"service" | "method" | "code">;
}

/**
 * One registry per server instead of prom-client's global one: tests start several servers in a
 * process and each must report only its own numbers.
 */
export function createRpcMetrics(service: string): RpcMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ app: service });
  collectDefaultMetrics({ register: registry });
  const labelNames = ["service", "method", "code"] as const;
  return {
    registry,
    requests: new Counter({
      name: "rpc_server_requests_total",
      help: "RPCs handled, by service, method and Connect code",
      labelNames,
      registers: [registry],
    }),
    duration: new Histogram({
      name: "rpc_server_duration_seconds",
      help: "Time to handle an RPC, by service, method and Connect code",
      labelNames,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
