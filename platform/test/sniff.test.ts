import { afterEach, describe, expect, test } from "bun:test";
import * as net from "node:net";
import { createSniffingListener } from "../src/server/sniff.ts";

const PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const H1_REQUEST = "POST / HTTP/1.1\r\nHost: example\r\nContent-Length: 5\r\n\r\nhello";

type Protocol = "h2" | "h1";

interface Handoff {
  protocol: Protocol;
  /** Everything the chosen server can read from the socket, up to the client's end. */
  bytes: Promise<string>;
}

interface Harness {
  port: number;
  /** Hand-offs in connection order; the last one is still pending. */
  handoffs: PromiseWithResolvers<Handoff>[];
  /** Resolves once the sniffer has received a chunk on the connection under test (then re-arms). */
  firstChunkSeen: () => Promise<void>;
  calls: Protocol[];
  close(): Promise<void>;
}

const open: Harness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});

/** A sniffing listener whose "servers" only record which one got the socket and read what follows. */
async function startListener(): Promise<Harness> {
  const handoffs: PromiseWithResolvers<Handoff>[] = [Promise.withResolvers<Handoff>()];
  const calls: Protocol[] = [];
  const sockets = new Set<net.Socket>();
  let chunkSeen = Promise.withResolvers<void>();
  const receiver = (protocol: Protocol) => (socket: net.Socket) => {
    calls.push(protocol);
    const chunks: Buffer[] = [];
    const bytes = new Promise<string>((resolve, reject) => {
      socket.on("data", (c: Buffer) => chunks.push(c));
      socket.on("end", () => resolve(Buffer.concat(chunks).toString("latin1")));
      socket.on("error", reject);
    });
    const slot = handoffs[handoffs.length - 1]!;
    handoffs.push(Promise.withResolvers<Handoff>());
    slot.resolve({ protocol, bytes });
  };
  const listener = createSniffingListener(receiver("h2"), receiver("h1"));
  listener.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    // Registered after the sniffer's own data listener: fires once the sniffer has seen a chunk.
    socket.once("data", () => chunkSeen.resolve());
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const harness: Harness = {
    port: (listener.address() as net.AddressInfo).port,
    handoffs,
    calls,
    firstChunkSeen: async () => {
      await chunkSeen.promise;
      chunkSeen = Promise.withResolvers<void>();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        listener.close(() => resolve());
      }),
  };
  open.push(harness);
  return harness;
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return socket;
}

function write(socket: net.Socket, data: string): Promise<void> {
  return new Promise((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve())));
}

describe("createSniffingListener", () => {
  test("the h2c preface in one write goes to the HTTP/2 server, bytes intact", async () => {
    const h = await startListener();
    const client = await connect(h.port);
    await write(client, `${PREFACE}\x00\x00\x00\x04\x00\x00\x00\x00\x00`);
    const handoff = await h.handoffs[0]!.promise;
    expect(handoff.protocol).toBe("h2");
    client.end();
    expect(await handoff.bytes).toBe(`${PREFACE}\x00\x00\x00\x04\x00\x00\x00\x00\x00`);
    expect(h.calls).toEqual(["h2"]);
  });

  test("a preface split across writes waits for the rest, then goes to HTTP/2 with every byte", async () => {
    const h = await startListener();
    const client = await connect(h.port);
    await write(client, "PRI * HT");
    await h.firstChunkSeen();
    // Still a prefix of the preface: nobody may own the socket yet.
    expect(h.calls).toEqual([]);
    await write(client, PREFACE.slice("PRI * HT".length));
    const handoff = await h.handoffs[0]!.promise;
    expect(handoff.protocol).toBe("h2");
    await write(client, "SETTINGS");
    client.end();
    expect(await handoff.bytes).toBe(`${PREFACE}SETTINGS`);
    expect(h.calls).toEqual(["h2"]);
  });

  test("a preface split right before its last byte still goes to HTTP/2", async () => {
    const h = await startListener();
    const client = await connect(h.port);
    await write(client, PREFACE.slice(0, -1));
    await h.firstChunkSeen();
    expect(h.calls).toEqual([]);
    await write(client, PREFACE.slice(-1));
    const handoff = await h.handoffs[0]!.promise;
    client.end();
    expect(handoff.protocol).toBe("h2");
    expect(await handoff.bytes).toBe(PREFACE);
  });

  test("an HTTP/1.1 request goes to the HTTP/1.1 server, bytes intact", async () => {
    const h = await startListener();
    const client = await connect(h.port);
    await write(client, H1_REQUEST);
    const handoff = await h.handoffs[0]!.promise;
    client.end();
    expect(handoff.protocol).toBe("h1");
    expect(await handoff.bytes).toBe(H1_REQUEST);
  });

  test('"P" alone waits (could be PRI), then "OST ..." makes it HTTP/1.1', async () => {
    const h = await startListener();
    const client = await connect(h.port);
    await write(client, "P");
    await h.firstChunkSeen();
    expect(h.calls).toEqual([]);
    await write(client, H1_REQUEST.slice(1));
    const handoff = await h.handoffs[0]!.promise;
    client.end();
    expect(handoff.protocol).toBe("h1");
    expect(await handoff.bytes).toBe(H1_REQUEST);
    expect(h.calls).toEqual(["h1"]);
  });

  test.each([
    // "PRI * HTTP/1" diverges from "PRI * HTTP/2" at its last byte.
    ["bytes that leave the preface mid-way", "PRI * HTTP/1", ".1\r\n\r\n"],
    ["a short non-preface first byte", "G", "ET / HTTP/1.1\r\n\r\n"],
  ])("%s: HTTP/1.1 is decided at once, without waiting for more", async (_, first, rest) => {
    const h = await startListener();
    const client = await connect(h.port);
    await write(client, first);
    const handoff = await h.handoffs[0]!.promise;
    expect(handoff.protocol).toBe("h1");
    await write(client, rest);
    client.end();
    expect(await handoff.bytes).toBe(first + rest);
  });

  test("each connection is sniffed on its own", async () => {
    const h = await startListener();
    const a = await connect(h.port);
    await write(a, PREFACE);
    const first = await h.handoffs[0]!.promise;
    const b = await connect(h.port);
    await write(b, H1_REQUEST);
    const second = await h.handoffs[1]!.promise;
    a.end();
    b.end();
    expect([first.protocol, second.protocol]).toEqual(["h2", "h1"]);
    expect(await first.bytes).toBe(PREFACE);
    expect(await second.bytes).toBe(H1_REQUEST);
  });

  test("a client that leaves before deciding is handed to nobody and does not break the listener", async () => {
    const h = await startListener();
    const quitter = await connect(h.port);
    await write(quitter, "PRI");
    await h.firstChunkSeen();
    quitter.destroy();
    const client = await connect(h.port);
    await write(client, H1_REQUEST);
    const handoff = await h.handoffs[0]!.promise;
    client.end();
    expect(handoff.protocol).toBe("h1");
    expect(await handoff.bytes).toBe(H1_REQUEST);
    expect(h.calls).toEqual(["h1"]);
  });
});
