import { JsonKeyTwiceError, parseJsonInt64 } from "@route256/platform/json/int64";
import {
  type KafkaMessage,
  type RunningConsumerLoop,
  startConsumerLoop,
} from "@route256/platform/kafka/consumer-loop";
import type { Logger } from "@route256/platform/logger";
import type { PaymentOutcome, PaymentResult } from "../../service/apply-payment.ts";

export const PAYMENTS_TOPIC = "payments";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A payments-topic message: {"idempotent_key":"<uuid>","order_id":N,"status":"COMPLETED"|"FAILED"}.
 * The order id is read exactly (parseJsonInt64), never rounded through a double.
 */
export function parsePaymentResult(text: string): PaymentResult | string {
  let body: unknown;
  try {
    body = parseJsonInt64(text, ["order_id"]);
  } catch (err) {
    return err instanceof JsonKeyTwiceError ? err.message : "not JSON";
  }
  const b = body as { idempotent_key?: unknown; order_id?: unknown; status?: unknown } | null;
  if (typeof b?.idempotent_key !== "string" || !UUID.test(b.idempotent_key))
    return "idempotent_key: not a uuid";
  if (typeof b.order_id !== "bigint" || b.order_id <= 0n || b.order_id > 9223372036854775807n) {
    return "order_id: not a positive int64";
  }
  if (b.status !== "COMPLETED" && b.status !== "FAILED") return 'status: not "COMPLETED" or "FAILED"';
  return { idempotentKey: b.idempotent_key.toLowerCase(), orderId: b.order_id, status: b.status };
}

export interface PaymentsConsumerOptions {
  bootstrapBrokers: string[];
  groupId: string;
  clientId: string;
  apply: (result: PaymentResult) => Promise<PaymentOutcome>;
  logger: Logger;
  /** Counts handled messages by outcome (applied, duplicate, refused, malformed). */
  onOutcome?: (outcome: PaymentOutcome | "malformed") => void;
}

/**
 * The saga's other half: LOMS consumes payment results, on the project's one consume loop (see
 * startConsumerLoop: offsets committed after handling, rebalance-safe, a new client after a failure).
 * A malformed message is logged, counted and committed (it would never parse: no poison pill); an
 * infrastructure failure commits nothing, and the loop reads the message again. Applying a result is
 * idempotent by its key, so a message read twice changes nothing the second time. The payment
 * service's trace (when it sent a traceparent) continues in the loop's consumer span: the status
 * change and its outbox event, hence the notifier's line, join it.
 */
export function startPaymentsConsumer(opts: PaymentsConsumerOptions): RunningConsumerLoop {
  const { logger } = opts;
  return startConsumerLoop({
    name: "payments",
    brokers: opts.bootstrapBrokers,
    topic: PAYMENTS_TOPIC,
    groupId: opts.groupId,
    clientId: opts.clientId,
    sessionTimeoutMs: 20_000,
    heartbeatMs: 2_000,
    logger,
    handle: async (message: KafkaMessage) => {
      const parsed = parsePaymentResult(message.value ?? "");
      if (typeof parsed === "string") {
        logger.warn(
          { partition: message.partition, offset: String(message.offset), reason: parsed },
          "malformed payment result skipped",
        );
        opts.onOutcome?.("malformed");
        return;
      }
      const outcome = await opts.apply(parsed);
      opts.onOutcome?.(outcome);
      logger.info(
        { orderId: String(parsed.orderId), key: parsed.idempotentKey, status: parsed.status, outcome },
        "payment result",
      );
    },
  });
}
