// The notifier's public entry (package.json "exports"): what another part of the project may use.
// Everything else under src/ is the notifier's own.
export { type RunningNotifier, startNotifier } from "./app.ts";
export { loadNotifierConfig, type NotifierConfig } from "./config.ts";
export type { OrderEvent, OrderStatus } from "./domain/order-event.ts";
export { inProcessNotifier } from "./embedded.ts";
export type { HandleResult, NotificationHandler } from "./service/ports.ts";
