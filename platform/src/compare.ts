/** Sort order by `sku` (int64 as bigint): `a - b` would need a Number, which loses int64 precision. */
export function bySku(a: { readonly sku: bigint }, b: { readonly sku: bigint }): number {
  return a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0;
}
