-- migrate:up
-- Orders live on every order shard. An order id carries its shard in its last decimal digit:
-- id = nextval('order_id_seq') * 10 + shard (see loms/src/adapters/postgres/sharding.ts).
CREATE SEQUENCE order_id_seq;

CREATE TABLE orders (
  id          bigint PRIMARY KEY,
  user_id     bigint NOT NULL,
  status      text NOT NULL CHECK (status IN ('new', 'awaiting payment', 'failed', 'paid', 'cancelled')),
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  -- Background jobs (expiry, repair) claim orders for a while with FOR UPDATE SKIP LOCKED; a claim
  -- whose holder died simply runs out.
  lease_until timestamptz,
  -- The repair job has checked this status against the stock reservation; reset by every change.
  verified    boolean NOT NULL DEFAULT false
);

CREATE TABLE order_items (
  order_id bigint NOT NULL REFERENCES orders (id),
  sku      bigint NOT NULL CHECK (sku > 0),
  count    integer NOT NULL CHECK (count > 0),
  PRIMARY KEY (order_id, sku)
);

-- What the jobs look for: old orders in a given status.
CREATE INDEX orders_status_updated_at ON orders (status, updated_at, id);

-- migrate:down
DROP TABLE order_items;
DROP TABLE orders;
DROP SEQUENCE order_id_seq;
