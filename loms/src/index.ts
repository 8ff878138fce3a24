// LOMS's public entry (package.json "exports"): what another part of the project may use — the
// embedded mode's composition root runs LOMS with its events going to the notifier in-process.
export type { LomsConfig } from "./config.ts";
export type { OrderEvent } from "./domain/order-event.ts";
export type { OrderEventSink } from "./events.ts";
export { runLoms } from "./run.ts";
