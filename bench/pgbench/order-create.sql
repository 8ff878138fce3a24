-- What one OrderCreate of 1 unit does in PostgreSQL (loms/src/service/order-create.ts with the
-- queries of sql/queries), as one pgbench transaction script on shard 0, which also holds stocks:
-- the order (tx 1), the reservation (tx 2), the status (tx 3). Same hot SKU as the LOMS benchmark.
\set user random(1, 1000000)
BEGIN;
INSERT INTO orders (id, user_id, status, created_at, updated_at)
  VALUES (nextval('order_id_seq') * 10 + 0, :user, 'new', now(), now()) RETURNING id \gset
INSERT INTO order_items (order_id, sku, count)
  SELECT :id, unnest(ARRAY[139275865]::bigint[]), unnest(ARRAY[1]::integer[]);
COMMIT;
BEGIN;
INSERT INTO reservations (order_id, state) VALUES (:id, 'reserved') ON CONFLICT (order_id) DO NOTHING;
SELECT sku, total_count, reserved FROM stocks WHERE sku = ANY(ARRAY[139275865]::bigint[]) ORDER BY sku FOR UPDATE;
UPDATE stocks SET reserved = stocks.reserved + item.count
  FROM (SELECT unnest(ARRAY[139275865]::bigint[]) AS sku, unnest(ARRAY[1]::integer[]) AS count) AS item
  WHERE stocks.sku = item.sku;
INSERT INTO reservation_items (order_id, sku, count)
  SELECT :id, unnest(ARRAY[139275865]::bigint[]), unnest(ARRAY[1]::integer[]);
COMMIT;
UPDATE orders SET status = 'awaiting payment', updated_at = now(), lease_until = NULL, verified = false
  WHERE id = :id AND status = ANY(ARRAY['new']::text[]);
