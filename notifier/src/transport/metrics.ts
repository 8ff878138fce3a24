import { Counter, Gauge, type Registry } from "prom-client";

export type EventResult = "printed" | "duplicate" | "malformed";

/** What the notifier reports on /metrics beside the process defaults. */
export interface NotifierMetrics {
  /** notifier_events_total{result}: every message handled, by outcome (its batch is committed next, unless a rebalance took its partition meanwhile). */
  readonly events: Counter<"result">;
  /** notifier_consumer_lag{partition}: messages not yet committed, for partitions this instance owns. */
  readonly lag: Gauge<"partition">;
  /** notifier_consumer_restarts_total: streams restarted after an error (nothing was committed for it). */
  readonly restarts: Counter;
}

export function createNotifierMetrics(registry: Registry): NotifierMetrics {
  const events = new Counter({
    name: "notifier_events_total",
    help: "Order events handled, by result: printed, duplicate (printed before) or malformed (skipped)",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  // Present from the start, so a dashboard shows 0 rather than no data.
  for (const result of ["printed", "duplicate", "malformed"] as const) events.inc({ result }, 0);
  return {
    events,
    lag: new Gauge({
      name: "notifier_consumer_lag",
      help: "Messages of loms.order-events after this group's committed offset, per partition this instance owns",
      labelNames: ["partition"] as const,
      registers: [registry],
    }),
    restarts: new Counter({
      name: "notifier_consumer_restarts_total",
      help: "Consumer streams restarted after an error; the failed message is read again",
      registers: [registry],
    }),
  };
}
