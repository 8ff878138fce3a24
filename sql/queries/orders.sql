-- name: CreateOrder :one
-- A new order in status 'new'; its id is the shard's next sequence value with the shard appended.
INSERT INTO orders (id, user_id, status, created_at, updated_at)
VALUES (nextval('order_id_seq') * 10 + sqlc.arg(shard)::bigint, sqlc.arg(user_id), 'new', sqlc.arg(now), sqlc.arg(now))
RETURNING id;

-- name: InsertOrderItems :exec
INSERT INTO order_items (order_id, sku, count)
SELECT sqlc.arg(order_id), unnest(sqlc.arg(skus)::bigint[]), unnest(sqlc.arg(counts)::integer[]);

-- name: GetOrder :one
-- An order with its items (sorted by sku) in one round trip.
SELECT orders.id, orders.user_id, orders.status, orders.created_at, orders.updated_at,
       array_agg(order_items.sku ORDER BY order_items.sku)::bigint[] AS skus,
       array_agg(order_items.count ORDER BY order_items.sku)::integer[] AS counts
FROM orders JOIN order_items ON order_items.order_id = orders.id
WHERE orders.id = $1
GROUP BY orders.id;

-- name: ChangeOrderStatus :execrows
-- Compare-and-set: moves the order to `status` only from one of `from_statuses`. Any change
-- releases a job's claim and asks the repair job to look again.
UPDATE orders SET status = sqlc.arg(status), updated_at = sqlc.arg(now), lease_until = NULL, verified = false
WHERE id = sqlc.arg(id) AND status = ANY(sqlc.arg(from_statuses)::text[]);

-- name: ClaimStaleOrders :many
-- Claims up to `max` orders in one of `statuses` last changed before `before` that no live claim
-- holds, for `lease` (skipping rows another instance is claiming right now).
UPDATE orders SET lease_until = sqlc.arg(lease_until)
WHERE id IN (
  SELECT candidate.id FROM orders AS candidate
  WHERE candidate.status = ANY(sqlc.arg(statuses)::text[])
    AND candidate.updated_at < sqlc.arg(before)
    AND (candidate.lease_until IS NULL OR candidate.lease_until < sqlc.arg(now))
    AND (NOT sqlc.arg(unverified_only)::boolean OR NOT candidate.verified)
  ORDER BY candidate.updated_at, candidate.id
  LIMIT sqlc.arg(max)
  FOR UPDATE SKIP LOCKED
)
RETURNING id;

-- name: MarkVerified :exec
-- The repair job found the order consistent; unless it changed meanwhile, it need not look again.
UPDATE orders SET verified = true, lease_until = NULL WHERE id = sqlc.arg(id) AND updated_at = sqlc.arg(updated_at);

-- name: GetOrders :many
-- Several orders with their items (sorted by sku), oldest change first: what a job claimed.
SELECT orders.id, orders.user_id, orders.status, orders.created_at, orders.updated_at,
       array_agg(order_items.sku ORDER BY order_items.sku)::bigint[] AS skus,
       array_agg(order_items.count ORDER BY order_items.sku)::integer[] AS counts
FROM orders JOIN order_items ON order_items.order_id = orders.id
WHERE orders.id = ANY(sqlc.arg(ids)::bigint[])
GROUP BY orders.id
ORDER BY orders.updated_at, orders.id;
