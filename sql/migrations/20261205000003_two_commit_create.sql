-- migrate:up
-- OrderCreate in two commits: the reservation is made first, under an order id allocated before the
-- order row exists, then the order is written with its outcome (see loms/src/service/order-create.ts).
--
-- Ids: each LOMS process takes a block of order_id_seq values with one nextval and hands them out
-- from memory; nextval returns the block's last value, the block is the `increment` values up to it
-- (loms/src/adapters/postgres/order-ids.ts). Values handed out one by one before this migration are
-- all below the first block, and a process still taking one value per nextval (a rolling upgrade)
-- takes exactly a block's last value, which no block hands out twice.
ALTER SEQUENCE order_id_seq INCREMENT BY 64;

-- A reservation whose order never appeared (LOMS died between the two commits) is released by the
-- repair job: `reserved_at` says when the units were reserved (NULL: nothing was), `order_seen` that
-- the job found the order, so it never looks again. Reservations made before this migration were
-- all made after their order, so they count as seen.
ALTER TABLE reservations ADD COLUMN reserved_at timestamptz;
ALTER TABLE reservations ADD COLUMN order_seen boolean NOT NULL DEFAULT true;
ALTER TABLE reservations ALTER COLUMN order_seen SET DEFAULT false;
ALTER TABLE reservations ADD COLUMN repair_lease_until timestamptz;

-- What the repair job looks for; an order's reservation leaves this index once its order is seen.
CREATE INDEX reservations_unseen ON reservations (reserved_at, order_id) WHERE state = 'reserved' AND NOT order_seen;

-- migrate:down
DROP INDEX reservations_unseen;
ALTER TABLE reservations DROP COLUMN repair_lease_until;
ALTER TABLE reservations DROP COLUMN order_seen;
ALTER TABLE reservations DROP COLUMN reserved_at;
ALTER SEQUENCE order_id_seq INCREMENT BY 1;
