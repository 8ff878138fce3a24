-- What one StocksInfo does in PostgreSQL (GetStock on the read node: the replica, or the primary without one).
SELECT sku, total_count, reserved FROM stocks WHERE sku = 1076963;
