-- migrate:up
-- The W3C trace context of the request that made the change: the relay sends it as the Kafka
-- message's traceparent header, so the notifier's span joins the trace that began at checkout.
-- NULL for changes made outside any trace (and for rows written before this column existed).
ALTER TABLE outbox ADD COLUMN traceparent text;

-- migrate:down
ALTER TABLE outbox DROP COLUMN traceparent;
