/** A product's stock: units on hand and units promised to orders awaiting payment. */
export interface Stock {
  readonly sku: bigint;
  readonly totalCount: number;
  readonly reserved: number;
}

/**
 * Units that can be bought now. Never below zero: the course fixture has an SKU with more reserved
 * than on hand (139818428: 100/101), which must read as "none left", not as -1.
 */
export function availableOf(stock: Stock): number {
  return Math.max(0, stock.totalCount - stock.reserved);
}

/**
 * What happened to the stock an order reserved. Keyed by order id, so every stock step can be
 * retried safely (by a client, a second LOMS instance or the repair job) and never counts twice:
 *   reserved → sold (paid) | released (cancelled, expired, or abandoned before anything was reserved)
 */
export type ReservationState = "reserved" | "sold" | "released";
