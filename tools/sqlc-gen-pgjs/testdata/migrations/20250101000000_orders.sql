-- migrate:up
CREATE TYPE order_status AS ENUM ('new', 'awaiting payment', 'failed', 'payed', 'cancelled');

CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  user_id int8 NOT NULL,
  status order_status NOT NULL DEFAULT 'new',
  prev_statuses order_status[] NOT NULL DEFAULT '{}',
  comment text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz
);

CREATE TABLE order_items (
  id serial PRIMARY KEY,
  order_id bigint NOT NULL REFERENCES orders (id),
  sku int4 NOT NULL,
  count int2 NOT NULL,
  price numeric(12, 2) NOT NULL
);

-- migrate:down
DROP TABLE order_items;
DROP TABLE orders;
DROP TYPE order_status;
