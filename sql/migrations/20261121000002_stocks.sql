-- migrate:up
-- Stocks and the reservations made against them. They live in one database (by default shard 0's);
-- the tables exist on every shard so that any shard can take the role.
CREATE TABLE stocks (
  sku         bigint PRIMARY KEY CHECK (sku > 0),
  total_count bigint NOT NULL CHECK (total_count >= 0),
  -- May exceed total_count in seed data (the course fixture has 139818428: 100/101): available
  -- for sale is greatest(total_count - reserved, 0).
  reserved    bigint NOT NULL CHECK (reserved >= 0)
);

-- The one source of truth about an order's stock: every stock step is keyed by the order id, so a
-- retried step (a client, a second LOMS instance, the repair job) never counts twice.
CREATE TABLE reservations (
  order_id bigint PRIMARY KEY,
  state    text NOT NULL CHECK (state IN ('reserved', 'sold', 'released'))
);

CREATE TABLE reservation_items (
  order_id bigint NOT NULL REFERENCES reservations (order_id),
  sku      bigint NOT NULL REFERENCES stocks (sku),
  count    integer NOT NULL CHECK (count > 0),
  PRIMARY KEY (order_id, sku)
);

-- The course's stock fixture (sku: total_count/reserved).
INSERT INTO stocks (sku, total_count, reserved) VALUES
  (139275865, 65534, 0),
  (2956315, 300, 30),
  (1076963, 300, 35),
  (135717466, 100, 20),
  (135937324, 300, 30),
  (1625903, 10000, 0),
  (1148162, 300, 0),
  (139819069, 100, 100),
  (139818428, 100, 101),
  (2618151, 300, 0),
  (2958025, 300, 0),
  (3596599, 300, 0),
  (3618852, 300, 0),
  (4288068, 300, 0),
  (4465995, 300, 0),
  (30816475, 300, 0);

-- migrate:down
DROP TABLE reservation_items;
DROP TABLE reservations;
DROP TABLE stocks;
