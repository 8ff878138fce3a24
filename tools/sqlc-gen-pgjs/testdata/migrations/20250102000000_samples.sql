-- migrate:up
-- One column per type the plugin maps; "n_" columns are nullable.
CREATE TABLE samples (
  id serial8 PRIMARY KEY,
  big bigint NOT NULL,
  small smallint NOT NULL,
  n_int integer,
  amount numeric NOT NULL,
  n_amount numeric(10, 3),
  flag boolean NOT NULL,
  n_flag bool,
  name varchar(64) NOT NULL,
  code char(3) NOT NULL,
  token uuid NOT NULL,
  n_text text,
  at timestamptz NOT NULL,
  local_at timestamp NOT NULL,
  day date NOT NULL,
  n_day date,
  doc jsonb NOT NULL,
  n_doc json,
  blob bytea NOT NULL,
  n_blob bytea,
  tags text[] NOT NULL,
  n_ids bigint[],
  grid int4[][] NOT NULL,
  ratio float8 NOT NULL,
  status order_status
);

-- migrate:down
DROP TABLE samples;
