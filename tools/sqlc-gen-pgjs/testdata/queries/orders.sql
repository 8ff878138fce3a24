-- name: GetOrder :one
-- Returns one order by its id.
-- Null when there is no such order.
SELECT * FROM orders
WHERE id = $1;

-- name: ListOrdersByUser :many
SELECT id, status, created_at FROM orders
WHERE user_id = $1 AND created_at >= $2 AND created_at < $3
ORDER BY id
LIMIT $4;

-- name: ListOrdersByIds :many
SELECT id, user_id FROM orders
WHERE id = ANY($1::bigint[]);

-- name: CreateOrder :one
INSERT INTO orders (user_id, status, comment)
VALUES ($1, $2, $3)
RETURNING id, created_at;

-- name: AddOrderItem :exec
INSERT INTO order_items (order_id, sku, count, price)
VALUES ($1, $2, $3, $4);

-- name: SetOrderStatus :execrows
-- Moves an order from old_status to new_status; 0 rows: it was not in old_status.
UPDATE orders
SET status = @new_status, prev_statuses = array_append(prev_statuses, status), updated_at = now()
WHERE id = @id AND status = @old_status;

-- name: CountOrders :one
SELECT count(*) FROM orders;

-- name: DeleteCancelledOrders :exec
DELETE FROM orders WHERE status = 'cancelled';

-- name: ListOrdersWithItems :many
SELECT o.id, o.status, i.id, i.sku, i.count, i.price
FROM orders o
LEFT JOIN order_items i ON i.order_id = o.id
WHERE o.id = ANY(sqlc.arg(order_ids)::bigint[])
ORDER BY o.id, i.sku;

-- name: ListOrdersTouchedSince :many
SELECT id FROM orders
WHERE created_at >= sqlc.arg(since) OR updated_at >= sqlc.arg(since);

-- name: FindOrdersByComment :many
SELECT id FROM orders
WHERE comment IS NOT DISTINCT FROM sqlc.narg(comment);

-- name: OrderTotals :one
-- sqlc infers sum(numeric) as a non-null bigint: cast aggregates, and coalesce them (no rows → NULL).
SELECT coalesce(sum(price * count), 0)::numeric AS total, count(*), 1 + 1, max(sku)
FROM order_items
WHERE order_id = $1;
