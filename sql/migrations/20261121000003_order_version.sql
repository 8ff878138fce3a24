-- migrate:up
-- Bumped by every status change and by Unverify: the repair job marks an order verified only at
-- the version it checked, so a payment or cancellation that starts meanwhile is never hidden.
ALTER TABLE orders ADD COLUMN version integer NOT NULL DEFAULT 0;
-- One claim per job: expiry and repair instances exclude their own kind, never each other (every
-- step either takes is a compare-and-set, safe to race).
ALTER TABLE orders RENAME COLUMN lease_until TO expiry_lease_until;
ALTER TABLE orders ADD COLUMN repair_lease_until timestamptz;

-- migrate:down
ALTER TABLE orders DROP COLUMN repair_lease_until;
ALTER TABLE orders RENAME COLUMN expiry_lease_until TO lease_until;
ALTER TABLE orders DROP COLUMN version;
