export { bySku } from "./compare.ts";
export { type RetryOptions, withRetry } from "./concurrency/retry.ts";
export { SingleFlight } from "./concurrency/single-flight.ts";
export { abortableSleep } from "./concurrency/sleep.ts";
export { within } from "./concurrency/within.ts";
export { mapPool } from "./concurrency/worker-pool.ts";
export { envVar, parseEnv, type ServerConfig, serverEnv } from "./config.ts";
export { retryInterceptor } from "./connect/retry-interceptor.ts";
export { httpStatusOf, toConnectError } from "./errors/codes.ts";
export { DomainError, type ErrorKind } from "./errors/domain-error.ts";
export { forwardedCallOptions } from "./http/forward.ts";
export { type GatewayRoute, grpcGateway } from "./http/gateway.ts";
export { duplicateKey, jsonWithBigints, strictJsonObject } from "./http/json.ts";
export { parseInt64, parseUint32, singleValuedQuery } from "./http/params.ts";
export { frameworkFailure, gatewayErrorBody, type RestFailure, restFailure } from "./http/rest-errors.ts";
export { protoIntegerField, rawJsonBody } from "./http/rest-schema.ts";
export {
  type ConsumerAttachment,
  type ConsumerGroupSettings,
  type ConsumerLoopOptions,
  type KafkaConsumer,
  type KafkaMessage,
  type RunningConsumerLoop,
  startConsumerLoop,
} from "./kafka/consumer-loop.ts";
export { assignedPartitions, commitIfOwned, ownsPartition } from "./kafka/owned-commit.ts";
export { createLogger, type LogFormat, type Logger, prettyStream, resolveLogFormat } from "./logger.ts";
export { createRpcMetrics, type RpcMetrics } from "./metrics.ts";
export { seededRandom } from "./random.ts";
export { rateLimitInterceptor, timeoutMsOf } from "./ratelimit/interceptor.ts";
export {
  type AcquireOptions,
  type AcquireResult,
  DEFAULT_SPACING_FACTOR,
  type OnWait,
  type RateLimiter,
  spacingMs,
  type WaitSource,
} from "./ratelimit/limiter.ts";
export { createLocalLimiter, type LocalLimiterOptions } from "./ratelimit/local-limiter.ts";
export {
  createRedisLimiter,
  type RedisLimiterOptions,
  type RedisScriptClient,
} from "./ratelimit/redis-limiter.ts";
export {
  type OnePortOptions,
  onePortInProcess,
  type RunningServer,
  serveOnePort,
} from "./server/one-port.ts";
export { type RequestInfo, requestInfoKey, requestInfoOf } from "./server/request-info.ts";
export { closeOnSignal } from "./server/shutdown.ts";
export { runWorkers } from "./server/workers.ts";
export { connectErrorOf, eventually, rejectionOf, until } from "./testing/helpers.ts";
export { type KafkaOptions, startKafka, type TestKafka } from "./testing/kafka.ts";
export { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./testing/otlp-receiver.ts";
export { pgReady, startPgCluster, type TestPgCluster } from "./testing/pg-cluster.ts";
export { freePort } from "./testing/ports.ts";
export { startRedis, type TestRedis } from "./testing/redis-server.ts";
export { runCommand, runCommandStreams, runScript } from "./testing/run-script.ts";
export { recordSpans, type SpanRecorder } from "./testing/span-recorder.ts";
export { type SpawnedService, spawnService } from "./testing/spawn-service.ts";
export { clientTraceInterceptor } from "./tracing/connect.ts";
export {
  activeTraceparent,
  contextFrom,
  failSpan,
  injectInto,
  inSpan,
  traceparentForLater,
  tracer,
  untraced,
} from "./tracing/context.ts";
export { inConsumerSpan } from "./tracing/messaging.ts";
export { loadTracingConfig, startTracing, type Tracing, type TracingConfig } from "./tracing/setup.ts";
