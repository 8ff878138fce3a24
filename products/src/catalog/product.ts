/** A catalog entry. SKUs of the catalog fit in a JS number, but the API carries them as int64. */
export interface Product {
  readonly sku: bigint;
  readonly name: string;
  readonly price: number;
}
