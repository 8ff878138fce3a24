// Writes data/catalog.tsv: the product catalog the products service ships with. Deterministic (a
// seeded PRNG, no clock, no network), so the same file comes out on every machine;
// test/catalog-file.test.ts regenerates it in memory and fails when the committed file differs.
//
//   bun products/scripts/generate-catalog.ts
import { writeFileSync } from "node:fs";
import { CATALOG_SIZE, generateCatalog } from "../src/catalog/generate.ts";
import { formatCatalog } from "../src/catalog/tsv.ts";

const path = new URL("../data/catalog.tsv", import.meta.url).pathname;
writeFileSync(path, formatCatalog(generateCatalog(CATALOG_SIZE)));
console.log(`wrote ${path}`);
