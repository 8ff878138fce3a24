import { type SpawnedService, spawnService } from "@route256/testkit/spawn-service";

export interface Stack {
  products: SpawnedService;
  loms: SpawnedService;
  cart: SpawnedService;
  stop(): Promise<number[]>;
}

/** products, LOMS and cart as processes, wired together as `just dev` wires them. */
export async function startStack(
  opts: {
    products?: Record<string, string>;
    loms?: Record<string, string>;
    cart?: Record<string, string>;
  } = {},
): Promise<Stack> {
  const [products, loms] = await Promise.all([
    spawnService("products/src/main.ts", { portEnv: "PRODUCTS_PORT", env: opts.products }),
    spawnService("loms/src/main.ts", { portEnv: "LOMS_PORT", env: opts.loms }),
  ]);
  const cart = await spawnService("cart/src/main.ts", {
    portEnv: "CART_PORT",
    env: { CART_PRODUCTS_URL: products.url, CART_LOMS_URL: loms.url, ...opts.cart },
  });
  return {
    products,
    loms,
    cart,
    stop: () => Promise.all([cart.stop(), loms.stop(), products.stop()]),
  };
}
