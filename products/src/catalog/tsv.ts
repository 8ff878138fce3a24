import type { Product } from "./product.ts";

const HEADER = "sku\tname\tprice";

/** One product per line, tab-separated, sorted by sku, with a header line. */
export function formatCatalog(products: readonly Product[]): string {
  return `${HEADER}\n${products.map((p) => `${p.sku}\t${p.name}\t${p.price}`).join("\n")}\n`;
}

export function parseCatalog(text: string): Product[] {
  const lines = text.split("\n");
  if (lines[0] !== HEADER) throw new Error(`catalog: expected header "${HEADER}"`);
  const products: Product[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    const [sku, name, price] = line.split("\t");
    if (sku === undefined || name === undefined || price === undefined) {
      throw new Error(`catalog line ${i + 1}: expected sku, name and price`);
    }
    products.push({ sku: BigInt(sku), name, price: Number(price) });
  }
  return products;
}
