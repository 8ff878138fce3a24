-- migrate:up
-- Transactional outbox: one row per order status change, written in the same transaction as the
-- change, on the order's shard. The relay publishes unsent rows to Kafka in id order and marks
-- them sent; a row is never lost, and at worst sent twice (the notifier dedupes by event_id).
CREATE TABLE outbox (
  id         bigserial PRIMARY KEY,
  event_id   uuid NOT NULL UNIQUE,
  order_id   bigint NOT NULL,
  status     text NOT NULL,
  moment     timestamptz NOT NULL,
  sent_at    timestamptz
);

-- What the relay reads: the oldest unsent rows.
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

-- Payment results applied from Kafka (the payments topic): the key is recorded in the same
-- transaction as the status change it caused, so a redelivered message changes nothing.
CREATE TABLE applied_payments (
  idempotent_key uuid PRIMARY KEY,
  order_id       bigint NOT NULL,
  applied_at     timestamptz NOT NULL
);

-- migrate:down
DROP TABLE applied_payments;
DROP TABLE outbox;
