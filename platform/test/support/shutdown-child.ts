/**
 * Child process for shutdown.test.ts: registers closeOnSignal, says "ready", and waits for a
 * signal. argv[2] picks the closers: "ok" (two that succeed), "fail" (the first throws) or "hang"
 * (the first never finishes). argv[3] picks the log destination: "sync" (written at once) or
 * "buffered" (written only when flushed, on a later turn of the event loop: an asynchronous
 * destination, such as logger.ts's default, made predictable).
 */
import pino, { type DestinationStream } from "pino";
import { createLogger } from "../../src/logger.ts";
import { closeOnSignal } from "../../src/server/shutdown.ts";

const mode = process.argv[2] ?? "ok";
const say = (line: string) => process.stdout.write(`${line}\n`);

class BufferedDestination implements DestinationStream {
  private pending: string[] = [];
  write(line: string): void {
    this.pending.push(line);
  }
  flush(done: (err?: Error) => void): void {
    setTimeout(() => {
      process.stdout.write(this.pending.join(""));
      this.pending = [];
      done();
    }, 0);
  }
}

const destination =
  process.argv[3] === "buffered" ? new BufferedDestination() : pino.destination({ dest: 1, sync: true });

closeOnSignal(createLogger("child", "info", destination), [
  async () => {
    say("closer 1 started");
    if (mode === "hang") await new Promise(() => {});
    await Promise.resolve();
    if (mode === "fail") throw new Error("first closer failed");
    say("closer 1 done");
  },
  async () => {
    say("closer 2 done");
  },
]);

// Keeps the process alive until a signal comes.
setInterval(() => {}, 60_000);
say("ready");
