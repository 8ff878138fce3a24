-- name: GetStock :one
-- One product's stock row.
SELECT sku, total_count, reserved FROM stocks WHERE sku = $1;

-- name: LockStocks :many
-- Locks the stock rows of the given skus, always in sku order: two orders touching the same skus
-- queue up instead of deadlocking.
SELECT sku, total_count, reserved FROM stocks WHERE sku = ANY(sqlc.arg(skus)::bigint[]) ORDER BY sku FOR UPDATE;

-- name: ClaimReservation :execrows
-- Takes the order's reservation record; 0 rows when it already exists (a retried step).
INSERT INTO reservations (order_id, state, reserved_at) VALUES (sqlc.arg(order_id), 'reserved', sqlc.arg(now))
ON CONFLICT (order_id) DO NOTHING;

-- name: InsertReservationItems :exec
INSERT INTO reservation_items (order_id, sku, count)
SELECT sqlc.arg(order_id), unnest(sqlc.arg(skus)::bigint[]), unnest(sqlc.arg(counts)::bigint[]);

-- name: AddReserved :exec
-- Reserves the units (rows already locked by LockStocks).
UPDATE stocks SET reserved = stocks.reserved + item.count
FROM (SELECT unnest(sqlc.arg(skus)::bigint[]) AS sku, unnest(sqlc.arg(counts)::bigint[]) AS count) AS item
WHERE stocks.sku = item.sku;

-- name: GetReservationState :one
SELECT state FROM reservations WHERE order_id = $1;

-- name: SettleReservation :execrows
-- Moves a reservation out of 'reserved'; 0 rows when it was not reserved (already settled or absent).
UPDATE reservations SET state = sqlc.arg(state) WHERE order_id = sqlc.arg(order_id) AND state = 'reserved';

-- name: RecordRelease :execrows
-- A release with nothing reserved leaves a 'released' record, so a late reserve cannot succeed.
INSERT INTO reservations (order_id, state) VALUES ($1, 'released') ON CONFLICT (order_id) DO NOTHING;

-- name: LockReservedStocks :many
-- Locks the stock rows an order reserved, in sku order, and returns what it reserved.
SELECT stocks.sku, reservation_items.count
FROM stocks JOIN reservation_items ON reservation_items.sku = stocks.sku
WHERE reservation_items.order_id = $1
ORDER BY stocks.sku
FOR UPDATE OF stocks;

-- name: SellReservedUnits :exec
-- The order's reserved units are sold: they leave both the reserved and the total count.
UPDATE stocks SET total_count = stocks.total_count - reservation_items.count,
                  reserved = stocks.reserved - reservation_items.count
FROM reservation_items
WHERE reservation_items.order_id = $1 AND stocks.sku = reservation_items.sku;

-- name: FreeReservedUnits :exec
-- The order's reserved units are free again.
UPDATE stocks SET reserved = stocks.reserved - reservation_items.count
FROM reservation_items
WHERE reservation_items.order_id = $1 AND stocks.sku = reservation_items.sku;

-- name: ClaimUnseenReservations :many
-- Claims up to `max` reservations still held, made before `before`, whose order the repair job has
-- not seen yet and no live claim holds, until `lease_until` (skipping rows being claimed right now).
UPDATE reservations SET repair_lease_until = sqlc.arg(lease_until)
WHERE order_id IN (
  SELECT candidate.order_id FROM reservations AS candidate
  WHERE candidate.state = 'reserved'
    AND NOT candidate.order_seen
    AND candidate.reserved_at < sqlc.arg(before)
    AND (candidate.repair_lease_until IS NULL OR candidate.repair_lease_until < sqlc.arg(now))
  ORDER BY candidate.reserved_at, candidate.order_id
  LIMIT sqlc.arg(max)
  FOR UPDATE SKIP LOCKED
)
RETURNING order_id;

-- name: MarkOrdersSeen :exec
-- The repair job found these reservations' orders: orders are never deleted, so it never looks again.
UPDATE reservations SET order_seen = true, repair_lease_until = NULL
WHERE order_id = ANY(sqlc.arg(order_ids)::bigint[]);
