import { expect } from "bun:test";
import type { Instance } from "./instances.ts";
import type { PublishedEvent } from "./kafka.ts";
import type { LogLine } from "./log.ts";

export interface PrintedLine extends LogLine {
  instance: string;
}

/** The status lines of these events, from every instance that ever ran (killed ones included). */
export function printedLines(
  instances: readonly Instance[],
  events: readonly PublishedEvent[],
): PrintedLine[] {
  const ids = new Set(events.map((e) => e.eventId));
  return instances.flatMap((i) =>
    i
      .statusLines()
      .filter((l) => ids.has(String(l.eventId)))
      .map((l) => ({ ...l, instance: i.name })),
  );
}

/** How many of the events have been printed at least once. */
export function printedCount(instances: readonly Instance[], events: readonly PublishedEvent[]): number {
  return new Set(printedLines(instances, events).map((l) => l.eventId)).size;
}

/**
 * The promise of the notifier: every event printed exactly once across all instances, with the
 * exact text, and each order's changes in the order they happened. `mayRepeat`: events an instance
 * printed without dedupe (it warned that the line may repeat), which may be printed twice.
 */
export function expectEachPrintedOnceInOrder(
  instances: readonly Instance[],
  histories: readonly PublishedEvent[][],
  mayRepeat: ReadonlySet<string> = new Set(),
): void {
  const events = histories.flat();
  const lines = printedLines(instances, events);
  const timesPrinted = new Map<string, number>();
  for (const l of lines) timesPrinted.set(String(l.eventId), (timesPrinted.get(String(l.eventId)) ?? 0) + 1);
  const missing = events.filter((e) => !timesPrinted.has(e.eventId)).map((e) => e.eventId);
  const repeated = [...timesPrinted].filter(([id, n]) => n > 1 && !mayRepeat.has(id)).map(([id]) => id);
  expect({ missing, repeated }).toEqual({ missing: [], repeated: [] });

  const byId = new Map(lines.map((l) => [String(l.eventId), l]));
  for (const history of histories) {
    // Exact text and fields, int64 ids digit for digit.
    for (const e of history) {
      expect(byId.get(e.eventId)).toMatchObject({
        level: "info",
        msg: `order ${e.orderId}: status ${e.status}`,
        orderId: String(e.orderId),
        status: e.status,
        moment: e.moment.toISOString(),
      });
    }
    // In order: by the time each line was written (one clock, several processes); lines of the
    // same millisecond are not told apart.
    const step = (id: string) => history.findIndex((e) => e.eventId === id);
    const written = history
      .map((e) => byId.get(e.eventId) as PrintedLine)
      .sort(
        (a, b) =>
          Date.parse(a.time as string) - Date.parse(b.time as string) ||
          step(a.eventId as string) - step(b.eventId as string),
      );
    expect(written.map((l) => l.status)).toEqual(history.map((e) => e.status));
    // And strictly in order within each instance's own output.
    for (const i of instances) {
      const own = lines.filter((l) => l.instance === i.name && l.orderId === String(history[0]?.orderId));
      expect(own.map((l) => step(l.eventId as string))).toEqual(
        own.map((l) => step(l.eventId as string)).sort((a, b) => a - b),
      );
    }
  }
}
