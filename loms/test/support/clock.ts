import type { Clock } from "../../src/service/ports.ts";

/** A clock that only moves when the test says so. Every now() is a fresh Date. */
export class FakeClock implements Clock {
  private ms: number;

  constructor(start: Date | string = "2025-01-01T00:00:00.000Z") {
    this.ms = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.ms += ms;
  }

  set(to: Date | string): void {
    this.ms = new Date(to).getTime();
  }
}
