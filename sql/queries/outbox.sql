-- name: InsertOutboxEvent :exec
-- An order status change to publish; called in the transaction that made the change.
INSERT INTO outbox (event_id, order_id, status, moment, traceparent) VALUES ($1, $2, $3, $4, $5);

-- name: LockRelay :one
-- One relay per shard at a time (transaction-scoped): two relays draining the same outbox could
-- interleave their batches and publish an order's events out of order.
SELECT pg_try_advisory_xact_lock(sqlc.arg(lock_key)::bigint) AS locked;

-- name: ClaimUnsentEvents :many
-- The oldest unsent events, in the order they were written.
SELECT id, event_id, order_id, status, moment, traceparent FROM outbox
WHERE sent_at IS NULL
ORDER BY id
LIMIT sqlc.arg(max)
FOR UPDATE SKIP LOCKED;

-- name: MarkEventsSent :exec
UPDATE outbox SET sent_at = sqlc.arg(now) WHERE id = ANY(sqlc.arg(ids)::bigint[]);

-- name: CountUnsentEvents :one
-- The relay's backlog, for metrics.
SELECT count(*) AS unsent FROM outbox WHERE sent_at IS NULL;

-- name: RecordAppliedPayment :execrows
-- 0 rows when this payment result was applied before.
INSERT INTO applied_payments (idempotent_key, order_id, applied_at) VALUES ($1, $2, $3)
ON CONFLICT (idempotent_key) DO NOTHING;

-- name: IsPaymentApplied :one
SELECT EXISTS (SELECT 1 FROM applied_payments WHERE idempotent_key = $1) AS applied;
