import {
  Consumer,
  type MessagesStream,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  stringDeserializers,
} from "@platformatic/kafka";
import { commitIfOwned, inConsumerSpan, type Logger, ownsPartition } from "@route256/platform";
import type { PaymentOutcome, PaymentResult } from "../../service/apply-payment.ts";

export const PAYMENTS_TOPIC = "payments";
// Ride out broker outages inside the stream (up to ~5 minutes): a stream opened while the broker is
// down can stall for good (measured with 2.12.1), so the loop below reopening the stream after an
// error is the last resort, not the way through an outage.
const RETRIES = 300;
const RETRY_DELAY_MS = 1_000;
/** A commit (a rejoin first, when one is under way) gets the same: longer, and it is stuck. */
const COMMIT_TIMEOUT_MS = RETRIES * RETRY_DELAY_MS + 30_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ORDER_ID = /"order_id"\s*:\s*(\d{1,19})\b/;

/**
 * A payments-topic message: {"idempotent_key":"<uuid>","order_id":N,"status":"COMPLETED"|"FAILED"}.
 * The order id is read from the raw text so an int64 is never rounded through a double.
 */
export function parsePaymentResult(text: string): PaymentResult | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  const b = body as { idempotent_key?: unknown; order_id?: unknown; status?: unknown } | null;
  if (typeof b?.idempotent_key !== "string" || !UUID.test(b.idempotent_key))
    return "idempotent_key: not a uuid";
  const id = ORDER_ID.exec(text)?.[1];
  if (
    typeof b.order_id !== "number" ||
    id === undefined ||
    BigInt(id) <= 0n ||
    BigInt(id) > 9223372036854775807n
  ) {
    return "order_id: not a positive int64";
  }
  if (b.status !== "COMPLETED" && b.status !== "FAILED") return 'status: not "COMPLETED" or "FAILED"';
  return { idempotentKey: b.idempotent_key.toLowerCase(), orderId: BigInt(id), status: b.status };
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
 * The saga's other half: LOMS consumes payment results. Offsets are committed only after a message
 * is handled; a malformed message is logged, counted and committed (it would never parse: no poison
 * pill); an infrastructure failure stops the stream without committing, and the loop rejoins and
 * reads the message again. A message of a partition a rebalance gave to another LOMS instance is
 * left to it: not handled when it was fetched before the rebalance, not committed when the
 * rebalance came while it was handled (the new owner reads it again; applying a result is
 * idempotent by its key).
 */
export class PaymentsConsumer {
  private readonly consumer: Consumer<string, string, string, string>;
  private stream: MessagesStream<string, string, string, string> | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: PaymentsConsumerOptions) {
    this.consumer = new Consumer({
      clientId: opts.clientId,
      groupId: opts.groupId,
      bootstrapBrokers: opts.bootstrapBrokers,
      deserializers: stringDeserializers,
      autocommit: false, // the default commits as soon as a batch is fetched, before handling
      sessionTimeout: 20_000,
      heartbeatInterval: 2_000,
      retries: RETRIES,
      retryDelay: RETRY_DELAY_MS,
    });
  }

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        this.stream = await this.consumer.consume({
          topics: [PAYMENTS_TOPIC],
          mode: MessagesStreamModes.COMMITTED, // the default (latest) ignores committed offsets
          fallbackMode: MessagesStreamFallbackModes.EARLIEST,
        });
        for await (const message of this.stream) {
          if (!ownsPartition(this.consumer, PAYMENTS_TOPIC, message.partition)) continue;
          // The payment service's trace (when it sent a traceparent) continues here: the status
          // change and its outbox event, hence the notifier's line, join it.
          const attributes = { "messaging.destination.partition.id": String(message.partition) };
          await inConsumerSpan(PAYMENTS_TOPIC, message.headers, attributes, () => this.handle(message));
          await commitIfOwned(this.consumer, message, COMMIT_TIMEOUT_MS);
        }
      } catch (err) {
        if (this.stopped) return;
        this.opts.logger.warn({ err: String(err) }, "payments consumer stopped; rejoining");
        await this.stream?.close().catch(() => {});
        await Bun.sleep(1_000);
      }
    }
  }

  private async handle(message: { value: string; offset: bigint }): Promise<void> {
    const parsed = parsePaymentResult(message.value);
    if (typeof parsed === "string") {
      this.opts.logger.warn(
        { offset: String(message.offset), reason: parsed },
        "malformed payment result skipped",
      );
      this.opts.onOutcome?.("malformed");
      return;
    }
    const outcome = await this.opts.apply(parsed);
    this.opts.onOutcome?.(outcome);
    this.opts.logger.info(
      { orderId: String(parsed.orderId), key: parsed.idempotentKey, status: parsed.status, outcome },
      "payment result",
    );
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.stream?.close().catch(() => {});
    await this.loop;
    // Leaving the group can wait on an unreachable broker: shutdown must not.
    await Promise.race([this.consumer.close(true).catch(() => {}), Bun.sleep(5_000)]);
  }
}
