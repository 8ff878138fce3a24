-- migrate:up
-- Item counts are uint32 in the contract (up to 4294967295): integer would reject the upper half.
ALTER TABLE order_items ALTER COLUMN count TYPE bigint;
ALTER TABLE reservation_items ALTER COLUMN count TYPE bigint;

-- migrate:down
ALTER TABLE reservation_items ALTER COLUMN count TYPE integer;
ALTER TABLE order_items ALTER COLUMN count TYPE integer;
