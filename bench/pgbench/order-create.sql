-- What one OrderCreate of 1 unit does in PostgreSQL (loms/src/service/order-create.ts with the
-- queries of sql/queries), as one pgbench script on shard 0, which also holds stocks: the order and
-- its "new" event (tx 1), the reservation (tx 2), the status change and its event (tx 3), then the
-- order read back. Same hot SKU as the LOMS benchmark.
\set user random(1, 1000000)
BEGIN;
INSERT INTO orders (id, user_id, status, created_at, updated_at)
  VALUES (nextval('order_id_seq') * 10 + 0, :user, 'new', now(), now()) RETURNING id \gset
INSERT INTO order_items (order_id, sku, count)
  SELECT :id, unnest(ARRAY[139275865]::bigint[]), unnest(ARRAY[1]::bigint[]);
INSERT INTO outbox (event_id, order_id, status, moment) VALUES (gen_random_uuid(), :id, 'new', now());
COMMIT;
BEGIN;
INSERT INTO reservations (order_id, state) VALUES (:id, 'reserved') ON CONFLICT (order_id) DO NOTHING;
SELECT sku, total_count, reserved FROM stocks WHERE sku = ANY(ARRAY[139275865]::bigint[]) ORDER BY sku FOR UPDATE;
UPDATE stocks SET reserved = stocks.reserved + item.count
  FROM (SELECT unnest(ARRAY[139275865]::bigint[]) AS sku, unnest(ARRAY[1]::bigint[]) AS count) AS item
  WHERE stocks.sku = item.sku;
INSERT INTO reservation_items (order_id, sku, count)
  SELECT :id, unnest(ARRAY[139275865]::bigint[]), unnest(ARRAY[1]::bigint[]);
COMMIT;
BEGIN;
UPDATE orders SET status = 'awaiting payment', updated_at = now(), version = version + 1, verified = false,
                  expiry_lease_until = NULL, repair_lease_until = NULL
  WHERE id = :id AND status = ANY(ARRAY['new']::text[]);
INSERT INTO outbox (event_id, order_id, status, moment) VALUES (gen_random_uuid(), :id, 'awaiting payment', now());
COMMIT;
SELECT orders.id, orders.user_id, orders.status, orders.created_at, orders.updated_at, orders.version,
       array_agg(order_items.sku ORDER BY order_items.sku)::bigint[] AS skus,
       array_agg(order_items.count ORDER BY order_items.sku)::bigint[] AS counts
FROM orders JOIN order_items ON order_items.order_id = orders.id
WHERE orders.id = :id GROUP BY orders.id;
