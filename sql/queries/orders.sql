-- name: AllocateOrderIds :one
-- A block of order sequence values for one LOMS process: nextval returns the block's last value and
-- the block is the `size` values up to it (the sequence's increment; migration 20261205000003).
SELECT nextval('order_id_seq')::bigint AS last, increment_by::bigint AS size
FROM pg_catalog.pg_sequences WHERE schemaname = current_schema() AND sequencename = 'order_id_seq';

-- name: InsertOrder :exec
-- A new order as OrderCreate settled it, with its items and its events (`statuses` at `moments`, in
-- that order), in ONE statement: one round trip and one commit on the order's shard.
WITH new_order AS (
  INSERT INTO orders (id, user_id, status, created_at, updated_at)
  VALUES (sqlc.arg(id), sqlc.arg(user_id), sqlc.arg(status), sqlc.arg(created_at), sqlc.arg(updated_at))
), new_items AS (
  INSERT INTO order_items (order_id, sku, count)
  SELECT sqlc.arg(id), unnest(sqlc.arg(skus)::bigint[]), unnest(sqlc.arg(counts)::bigint[])
)
INSERT INTO outbox (event_id, order_id, status, moment, traceparent)
SELECT unnest(sqlc.arg(event_ids)::uuid[]), sqlc.arg(id), unnest(sqlc.arg(statuses)::text[]),
       unnest(sqlc.arg(moments)::timestamptz[]), sqlc.narg(traceparent);

-- name: ExistingOrders :many
-- Which of these orders exist (the repair job, looking for reservations whose order never appeared).
SELECT id FROM orders WHERE id = ANY(sqlc.arg(ids)::bigint[]);

-- name: GetOrder :one
-- An order with its items (sorted by sku) in one round trip.
SELECT orders.id, orders.user_id, orders.status, orders.created_at, orders.updated_at, orders.version,
       array_agg(order_items.sku ORDER BY order_items.sku)::bigint[] AS skus,
       array_agg(order_items.count ORDER BY order_items.sku)::bigint[] AS counts
FROM orders JOIN order_items ON order_items.order_id = orders.id
WHERE orders.id = $1
GROUP BY orders.id;

-- name: ChangeOrderStatus :execrows
-- Compare-and-set: moves the order to `status` only from one of `from_statuses`. Any change ends
-- the jobs' claims and asks the repair job to look again.
UPDATE orders SET status = sqlc.arg(status), updated_at = sqlc.arg(now), version = version + 1, verified = false,
                  expiry_lease_until = NULL, repair_lease_until = NULL
WHERE id = sqlc.arg(id) AND status = ANY(sqlc.arg(from_statuses)::text[]);

-- name: ClaimForExpiry :many
-- Claims up to `max` orders awaiting payment last changed before `before` that no live expiry
-- claim holds, until `lease_until` (skipping rows another instance is claiming right now).
UPDATE orders SET expiry_lease_until = sqlc.arg(lease_until)
WHERE id IN (
  SELECT candidate.id FROM orders AS candidate
  WHERE candidate.status = 'awaiting payment'
    AND candidate.updated_at < sqlc.arg(before)
    AND (candidate.expiry_lease_until IS NULL OR candidate.expiry_lease_until < sqlc.arg(now))
  ORDER BY candidate.updated_at, candidate.id
  LIMIT sqlc.arg(max)
  FOR UPDATE SKIP LOCKED
)
RETURNING id;

-- name: ClaimForRepair :many
-- Claims up to `max` orders in new or awaiting payment, not verified since their last change, last
-- changed before `before`, that no live repair claim holds, until `lease_until`.
UPDATE orders SET repair_lease_until = sqlc.arg(lease_until)
WHERE id IN (
  SELECT candidate.id FROM orders AS candidate
  WHERE candidate.status IN ('new', 'awaiting payment')
    AND NOT candidate.verified
    AND candidate.updated_at < sqlc.arg(before)
    AND (candidate.repair_lease_until IS NULL OR candidate.repair_lease_until < sqlc.arg(now))
  ORDER BY candidate.updated_at, candidate.id
  LIMIT sqlc.arg(max)
  FOR UPDATE SKIP LOCKED
)
RETURNING id;

-- name: MarkVerified :exec
-- The repair job found the order consistent at `version`; unless it moved since, it need not look
-- again. Its claim simply runs out, so no job run takes it up again meanwhile.
UPDATE orders SET verified = true WHERE id = sqlc.arg(id) AND version = sqlc.arg(version);

-- name: GetOrders :many
-- Several orders with their items (sorted by sku), oldest change first: what a job claimed.
SELECT orders.id, orders.user_id, orders.status, orders.created_at, orders.updated_at, orders.version,
       array_agg(order_items.sku ORDER BY order_items.sku)::bigint[] AS skus,
       array_agg(order_items.count ORDER BY order_items.sku)::bigint[] AS counts
FROM orders JOIN order_items ON order_items.order_id = orders.id
WHERE orders.id = ANY(sqlc.arg(ids)::bigint[])
GROUP BY orders.id
ORDER BY orders.updated_at, orders.id;

-- name: Unverify :exec
-- Pay and cancel ask the repair job to look again before they touch stock; the new version makes a
-- verification already under way miss. A job's claim is left alone: the expiry job cancels through
-- the same code.
UPDATE orders SET verified = false, version = version + 1 WHERE id = $1;
