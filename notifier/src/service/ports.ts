import type { OrderEvent } from "../domain/order-event.ts";

/** Remembers which events were handled, for a while: long enough to outlive any redelivery. */
export interface DedupeStore {
  /**
   * True exactly once per event id within the TTL: the caller that gets true owns the side effect.
   * Rejects when the store cannot answer (the caller decides what that means).
   */
  firstTime(eventId: string): Promise<boolean>;
}

/** How long an event id is remembered unless configured otherwise: a day outlives any redelivery. */
export const DEFAULT_DEDUPE_TTL_SECONDS = 24 * 60 * 60;

/** What became of one event: its line was printed, or it had been printed before. */
export type HandleResult = "printed" | "duplicate";

/** The notifier's use case: one order status change in, at most one printed line out. */
export interface NotificationHandler {
  handle(event: OrderEvent): Promise<HandleResult>;
}
