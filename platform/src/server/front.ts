import cluster from "node:cluster";
import * as net from "node:net";
import { within } from "../concurrency/within.ts";
import type { HttpLimits } from "../limits.ts";
import { createSniffingListener } from "./sniff.ts";

/** One HTTP/1.1 connection: the client's socket and the loopback hop that carries it to Bun.serve. */
interface Hop {
  readonly client: net.Socket;
  readonly up: net.Socket;
  inFlight: number;
  /** Closes the connection when a request takes too long to arrive, or nothing arrives at all. */
  timer?: ReturnType<typeof setTimeout>;
  waitingForRequest: boolean;
}

export interface Front {
  readonly port: number;
  /** The real client of an HTTP/1.1 request, by the source port of the hop Bun.serve saw it on. */
  clientOf(hopPort: number): string | undefined;
  /** Bun.serve started a request on that hop: it is in flight, no timer may close it. */
  requestStarted(hopPort: number): void;
  /** …and answered it: the connection is idle until the next request's bytes arrive. */
  requestEnded(hopPort: number): void;
  /** Stops accepting; open connections get their answers with "connection: close". */
  drain(): void;
  /**
   * Ends every connection: each hop is half-closed towards Bun.serve, so an answer being written
   * still reaches its client; whatever is still open after `ms` is destroyed.
   */
  close(ms: number): Promise<void>;
}

/**
 * The public listener. It sniffs each connection (sniff.ts): h2c goes to node:http2 in this process;
 * HTTP/1.1 is piped over a loopback TCP "hop" to an internal Bun.serve, whose native HTTP path is
 * about twice as fast as node:http's emulation (bench/README.md). Bun.serve sees the hop's address,
 * so the hop's source port is mapped back to the real client here.
 *
 * Bun.serve runs with its own idle timeout off — it would cut requests that legitimately wait — so
 * the HTTP/1.1 hygiene lives here: a request must arrive within `requestTimeoutMs` of its first
 * byte (or of the connection), an idle keep-alive connection closes after `idleTimeoutMs`, and at
 * most `maxConnections` are open at once.
 */
export async function listenFront(opts: {
  host: string;
  port: number;
  limits: HttpLimits;
  /** Where the internal Bun.serve listens (127.0.0.1). */
  innerPort: number;
  onHttp2: (socket: net.Socket) => void;
}): Promise<Front> {
  const { limits } = opts;
  const hops = new Map<number, Hop>();
  const sockets = new Set<net.Socket>();
  let draining = false;

  const close = (hop: Hop) => {
    clearTimeout(hop.timer);
    hop.client.destroy();
    hop.up.destroy();
  };
  const arm = (hop: Hop, ms: number) => {
    clearTimeout(hop.timer);
    hop.timer = setTimeout(() => close(hop), ms).unref();
  };

  const onHttp1 = (client: net.Socket) => {
    const up = net.connect({ port: opts.innerPort, host: "127.0.0.1", noDelay: true });
    const hop: Hop = { client, up, inFlight: 0, waitingForRequest: false };
    arm(hop, limits.requestTimeoutMs); // the first request has begun: the sniffer saw its first bytes
    // Bytes that come before the hop is up wait here; after that, pipes carry both directions.
    const early: Buffer[] = [];
    const hold = (chunk: Buffer) => early.push(chunk);
    client.on("data", hold);
    let hopPort: number | undefined;
    up.once("connect", () => {
      hopPort = up.localPort as number;
      hops.set(hopPort, hop); // before any byte reaches Bun.serve
      client.off("data", hold);
      for (const chunk of early) up.write(chunk);
      client.pipe(up);
      up.pipe(client);
    });
    // A new request on an idle keep-alive connection starts its clock with its first byte.
    client.on("data", () => {
      if (hop.waitingForRequest) {
        hop.waitingForRequest = false;
        arm(hop, limits.requestTimeoutMs);
      }
    });
    const forget = () => {
      if (hopPort !== undefined) hops.delete(hopPort);
    };
    client.on("close", () => {
      forget();
      close(hop);
    });
    client.on("error", () => close(hop));
    up.on("error", () => close(hop));
    // Bun.serve closed its side (a "connection: close" answer): the pipe ends the client's side once
    // the last bytes are out; a client that never reads them is closed after the idle timeout.
    up.on("close", () => {
      forget();
      if (client.destroyed) return;
      client.end();
      arm(hop, limits.idleTimeoutMs);
    });
  };

  const listener = createSniffingListener(opts.onHttp2, onHttp1, { sniffTimeoutMs: limits.requestTimeoutMs });
  listener.maxConnections = limits.maxConnections;
  let allClosed: (() => void) | undefined;
  listener.on("connection", (socket: net.Socket) => {
    // An h2c answer leaves as several small writes (HEADERS, DATA, trailers): with Nagle on, the
    // last waits for the client's delayed ACK, ~40 ms a call.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      if (sockets.size === 0) allClosed?.();
    });
  });
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    // Workers of one service share the port (workers.ts); a lone process keeps it to itself, so
    // a second copy started by mistake fails with "address in use" instead of splitting traffic.
    listener.listen({ port: opts.port, host: opts.host, reusePort: cluster.isWorker }, () => resolve());
  });

  return {
    port: (listener.address() as net.AddressInfo).port,
    clientOf: (hopPort) => hops.get(hopPort)?.client.remoteAddress,
    requestStarted(hopPort) {
      const hop = hops.get(hopPort);
      if (!hop) return;
      hop.inFlight++;
      hop.waitingForRequest = false;
      clearTimeout(hop.timer);
    },
    requestEnded(hopPort) {
      const hop = hops.get(hopPort);
      if (!hop) return;
      hop.inFlight = Math.max(0, hop.inFlight - 1);
      if (hop.inFlight > 0 || draining) return; // draining: the answer said "connection: close"
      hop.waitingForRequest = true;
      arm(hop, limits.idleTimeoutMs);
    },
    drain() {
      draining = true;
      listener.close();
    },
    async close(ms) {
      for (const hop of hops.values()) hop.up.end();
      if (sockets.size > 0) {
        const closed = new Promise<void>((resolve) => {
          allClosed = resolve;
        });
        await within(ms, closed, "connections closing").catch(() => {}); // then destroyed below
      }
      for (const socket of sockets) socket.destroy();
      for (const hop of hops.values()) close(hop);
    },
  };
}
