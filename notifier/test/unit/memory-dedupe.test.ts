import { describe, expect, test } from "bun:test";
import { MemoryDedupeStore } from "../../src/adapters/memory-dedupe.ts";
import { DEFAULT_DEDUPE_TTL_SECONDS } from "../../src/service/ports.ts";

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("MemoryDedupeStore", () => {
  test("true the first time an id is seen, false after", async () => {
    const store = new MemoryDedupeStore(60);
    expect(await store.firstTime("a")).toBe(true);
    expect(await store.firstTime("a")).toBe(false);
    expect(await store.firstTime("b")).toBe(true);
  });

  test("an id is forgotten once its TTL has passed, not before", async () => {
    const c = clock();
    const store = new MemoryDedupeStore(10, c.now);
    await store.firstTime("a");
    c.advance(9_999);
    expect(await store.firstTime("a")).toBe(false);
    c.advance(1);
    expect(await store.firstTime("a")).toBe(true);
    expect(await store.firstTime("a")).toBe(false);
  });

  test("expired ids are swept, so memory holds one TTL of events", async () => {
    const c = clock();
    const store = new MemoryDedupeStore(1, c.now);
    for (let i = 0; i < 100; i++) await store.firstTime(`old-${i}`);
    expect(store.size).toBe(100);
    c.advance(1_000);
    await store.firstTime("new");
    expect(store.size).toBe(1);
  });

  test("the default TTL is 24 hours", async () => {
    expect(DEFAULT_DEDUPE_TTL_SECONDS).toBe(86_400);
    const c = clock();
    const store = new MemoryDedupeStore(undefined, c.now);
    await store.firstTime("a");
    c.advance(86_399_999);
    expect(await store.firstTime("a")).toBe(false);
    c.advance(1);
    expect(await store.firstTime("a")).toBe(true);
  });
});
