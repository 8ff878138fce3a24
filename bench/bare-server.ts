// The ceiling for `just bench server`: Bun.serve answering a fixed JSON body, no framework, no
// Connect. usage: bun bench/bare-server.ts PORT
const port = Number(process.argv[2]);
const body = JSON.stringify({ product: { sku: "1076963", name: "Теплая куртка", price: 3379 } });
Bun.serve({
  hostname: "127.0.0.1",
  port,
  development: false,
  fetch: () => new Response(body, { headers: { "content-type": "application/json" } }),
});
console.log(`bare Bun.serve on ${port}`);
