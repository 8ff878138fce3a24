/**
 * Order ids carry their shard in their last decimal digit: id = sequence * 10 + shard, where each
 * shard draws `sequence` from its own order_id_seq (sql/migrations), each LOMS process in blocks
 * (order-ids.ts), so the id exists before the order: OrderCreate reserves stock under it first. So
 * OrderInfo, OrderPay and OrderCancel go straight to one shard, ids stay readable (order 31 lives on
 * shard 1), and up to 10 shards fit without changing the scheme.
 *
 * Growing is appending: an id's shard does not depend on how many shards there are, so every order
 * made with 2 shards is still found with 3 (loms/test/postgres/growth.test.ts). Shards must never be
 * reordered or removed. An 11th shard would mint ids ending in 0, shard 0's, so loadLomsConfig
 * refuses more than MAX_SHARDS. Each shard's sequence gives int8 ids up to 2^63 - 1, i.e. about
 * 9.2 * 10^17 orders per shard.
 */
export const MAX_SHARDS = 10;

/** The shard an order id names, undefined for ids no configured shard can have minted. */
export function shardOfOrder(orderId: bigint, shardCount: number): number | undefined {
  if (orderId <= 0n) return undefined;
  const shard = Number(orderId % BigInt(MAX_SHARDS));
  return shard < shardCount ? shard : undefined;
}
