import { createLogger, resolveLogFormat } from "@route256/platform/logger";
import { closeOnSignal } from "@route256/platform/server/shutdown";
import { loadTracingConfig, startTracing } from "@route256/platform/tracing/setup";
import pino from "pino";
import { startNotifier } from "./app.ts";
import { loadNotifierConfig } from "./config.ts";

const config = loadNotifierConfig();
// The printed line is the notifier's whole job, and its offset is committed right after it: write
// each line synchronously, so a crash cannot lose a line whose message counts as handled (the pretty
// format writes synchronously too).
const format = resolveLogFormat(config.server.logFormat);
const logger = createLogger(
  "notifier",
  config.server.logLevel,
  format === "pretty" ? format : pino.destination({ dest: 1, sync: true }),
);
const tracing = startTracing(loadTracingConfig(), "notifier", logger);
const notifier = await startNotifier(config, { logger });
closeOnSignal(logger, [() => notifier.close(), () => tracing.shutdown()]);
