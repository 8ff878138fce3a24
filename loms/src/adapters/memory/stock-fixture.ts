import type { Stock } from "../../domain/stock.ts";

/** The course's stock fixture (sku: total_count/reserved), as SPEC.md lists it. */
export const STOCK_FIXTURE: readonly Stock[] = [
  { sku: 139275865n, totalCount: 65534, reserved: 0 },
  { sku: 2956315n, totalCount: 300, reserved: 30 },
  { sku: 1076963n, totalCount: 300, reserved: 35 },
  { sku: 135717466n, totalCount: 100, reserved: 20 },
  { sku: 135937324n, totalCount: 300, reserved: 30 },
  { sku: 1625903n, totalCount: 10000, reserved: 0 },
  { sku: 1148162n, totalCount: 300, reserved: 0 },
  { sku: 139819069n, totalCount: 100, reserved: 100 },
  { sku: 139818428n, totalCount: 100, reserved: 101 },
  { sku: 2618151n, totalCount: 300, reserved: 0 },
  { sku: 2958025n, totalCount: 300, reserved: 0 },
  { sku: 3596599n, totalCount: 300, reserved: 0 },
  { sku: 3618852n, totalCount: 300, reserved: 0 },
  { sku: 4288068n, totalCount: 300, reserved: 0 },
  { sku: 4465995n, totalCount: 300, reserved: 0 },
  { sku: 30816475n, totalCount: 300, reserved: 0 },
];
