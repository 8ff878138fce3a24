/**
 * Order ids carry their shard in their last decimal digit: id = sequence * 10 + shard, where each
 * shard draws `sequence` from its own order_id_seq (sql/migrations). So OrderInfo, OrderPay and
 * OrderCancel go straight to one shard, ids stay readable (order 31 lives on shard 1), and up to
 * 10 shards fit without changing the scheme.
 */
export const MAX_SHARDS = 10;

export function shardOfOrder(orderId: bigint, shardCount: number): number | undefined {
  if (orderId <= 0n) return undefined;
  const shard = Number(orderId % BigInt(MAX_SHARDS));
  return shard < shardCount ? shard : undefined;
}
