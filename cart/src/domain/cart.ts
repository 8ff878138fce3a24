/** One line of a cart as stored: a product and how many units of it. */
export interface CartLine {
  readonly sku: bigint;
  readonly count: number;
}

/** A catalog entry as cart needs it. */
export interface Product {
  readonly sku: bigint;
  readonly name: string;
  readonly price: number;
}

/** A listed cart: lines with names and prices, sorted by sku, and the total. */
export interface CartView {
  readonly items: readonly (Product & { readonly count: number })[];
  readonly totalPrice: number;
}
