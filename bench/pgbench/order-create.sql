-- What one OrderCreate does in PostgreSQL (loms/src/service/order-create.ts with the queries of
-- sql/queries), as one pgbench script on shard 0, which also holds stocks: the reservation under an id
-- taken first (tx 1; LOMS takes ids from order_id_seq in blocks of 64, so nextval is ~1/64 of a query
-- per order there and one here), then the order with its outcome, items and both events in one
-- statement (tx 2, autocommit). -D spread=0: 1 unit of the LOMS benchmark's hot SKU; -D spread=1:
-- 1 unit each of 2 different SKUs of the fixture's 16, drawn per order (the pick is one extra,
-- trivial SELECT either way).
\set i random(0, 15)
\set j (:i + random(1, 15)) % 16
\set user random(1, 1000000)
SELECT CASE WHEN :spread = 1 THEN ARRAY[f.s[:i + 1], f.s[:j + 1]] ELSE ARRAY[139275865]::bigint[] END AS skus,
       CASE WHEN :spread = 1 THEN ARRAY[1, 1]::bigint[] ELSE ARRAY[1]::bigint[] END AS counts
  FROM (SELECT ARRAY[139275865, 2956315, 1076963, 135717466, 135937324, 1625903, 1148162, 139819069,
                     139818428, 2618151, 2958025, 3596599, 3618852, 4288068, 4465995, 30816475]::bigint[] AS s) AS f \gset
SELECT nextval('order_id_seq') * 10 + 0 AS id \gset
BEGIN;
INSERT INTO reservations (order_id, state, reserved_at) VALUES (:id, 'reserved', now()) ON CONFLICT (order_id) DO NOTHING;
SELECT sku, total_count, reserved FROM stocks WHERE sku = ANY(:skus::bigint[]) ORDER BY sku FOR UPDATE;
UPDATE stocks SET reserved = stocks.reserved + item.count
  FROM (SELECT unnest(:skus::bigint[]) AS sku, unnest(:counts::bigint[]) AS count) AS item
  WHERE stocks.sku = item.sku;
INSERT INTO reservation_items (order_id, sku, count)
  SELECT :id, unnest(:skus::bigint[]), unnest(:counts::bigint[]);
COMMIT;
WITH new_order AS (
  INSERT INTO orders (id, user_id, status, created_at, updated_at)
  VALUES (:id, :user, 'awaiting payment', now(), now())
), new_items AS (
  INSERT INTO order_items (order_id, sku, count)
  SELECT :id, unnest(:skus::bigint[]), unnest(:counts::bigint[])
)
INSERT INTO outbox (event_id, order_id, status, moment)
SELECT unnest(ARRAY[gen_random_uuid(), gen_random_uuid()]), :id, unnest(ARRAY['new', 'awaiting payment']::text[]),
       unnest(ARRAY[now(), now()]::timestamptz[]);
