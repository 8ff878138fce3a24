-- What one StocksInfo does in PostgreSQL (GetStock on the replica).
SELECT sku, total_count, reserved FROM stocks WHERE sku = 1076963;
