import * as net from "node:net";

/** Every HTTP/2 connection without TLS starts with this exact preface (RFC 9113 §3.4). */
const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/**
 * A TCP listener that reads just enough of each connection to tell h2c from HTTP/1.1, then hands
 * the socket, with the peeked bytes pushed back, to the matching server. It waits while the bytes
 * so far are still a prefix of the preface: "P" could start "POST" as well as "PRI".
 */
export function createSniffingListener(
  onHttp2: (socket: net.Socket) => void,
  onHttp1: (socket: net.Socket) => void,
  opts: { sniffTimeoutMs?: number } = {},
): net.Server {
  return net.createServer((socket) => {
    let seen: Buffer = Buffer.alloc(0);
    // A peer that connects and sends nothing (or a partial preface) must not hold a socket forever.
    const timer = setTimeout(() => socket.destroy(), opts.sniffTimeoutMs ?? 10_000);
    socket.once("close", () => clearTimeout(timer));
    const onData = (chunk: Buffer) => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, H2_PREFACE.length);
      const isPreface = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (isPreface && seen.length < H2_PREFACE.length) return;
      socket.off("data", onData);
      clearTimeout(timer);
      socket.pause();
      socket.unshift(seen);
      (isPreface ? onHttp2 : onHttp1)(socket);
      socket.resume();
    };
    socket.on("data", onData);
    // Until a server owns the socket, nobody else would handle its errors (resets, half-open peers).
    socket.on("error", () => socket.destroy());
  });
}
