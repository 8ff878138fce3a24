-- migrate:up
-- An order line holds at most 4294967295 units, the contract's uint32: a larger count could be stored
-- but never read back (every count on the wire is a uint32), so LOMS now refuses it before storing
-- anything. Earlier, an order whose lines of one sku added up past it was stored all the same and
-- then failed for want of stock, its client told the order was refused: those lines are capped, so
-- the order reads again (still failed, nothing reserved). A line over the limit on any other order
-- makes this migration fail by name: such an order holds a reservation, and is left to a person.
UPDATE order_items SET count = 4294967295
FROM orders
WHERE orders.id = order_items.order_id AND orders.status = 'failed' AND order_items.count > 4294967295;
ALTER TABLE order_items ADD CONSTRAINT order_items_count_uint32 CHECK (count <= 4294967295);
ALTER TABLE reservation_items ADD CONSTRAINT reservation_items_count_uint32 CHECK (count <= 4294967295);

-- migrate:down
ALTER TABLE reservation_items DROP CONSTRAINT reservation_items_count_uint32;
ALTER TABLE order_items DROP CONSTRAINT order_items_count_uint32;
