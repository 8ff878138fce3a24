import * as net from "node:net";

export interface RawResponse {
  status: number;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: string;
}

/**
 * HTTP/1.1 over one TCP connection the test controls: it knows exactly which connection each
 * request uses, which fetch's connection pool does not tell.
 */
export class RawHttp1 {
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private ended = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiter?.();
    });
    this.closed = new Promise((resolve) => {
      socket.on("close", () => {
        this.ended = true;
        this.waiter?.();
        resolve();
      });
    });
    socket.on("error", () => {});
  }

  static connect(port: number, host = "127.0.0.1"): Promise<RawHttp1> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host);
      socket.once("connect", () => resolve(new RawHttp1(socket)));
      socket.once("error", reject);
    });
  }

  /** Sends one request and reads its whole response. */
  async request(method: string, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
    const lines = [`${method} ${path} HTTP/1.1`, "host: test"];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    this.socket.write(`${lines.join("\r\n")}\r\n\r\n`);

    const headEnd = await this.until(() => {
      const i = this.buffer.indexOf("\r\n\r\n");
      return i < 0 ? undefined : i;
    });
    const [statusLine = "", ...headerLines] = this.buffer
      .subarray(0, headEnd)
      .toString("latin1")
      .split("\r\n");
    const status = Number(statusLine.split(" ")[1]);
    const head: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(":");
      head[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    this.buffer = this.buffer.subarray(headEnd + 4);

    let body: Buffer;
    if (head["content-length"] !== undefined) {
      const length = Number(head["content-length"]);
      await this.until(() => (this.buffer.length >= length ? true : undefined));
      body = this.buffer.subarray(0, length);
      this.buffer = this.buffer.subarray(length);
    } else if (head["transfer-encoding"] === "chunked") {
      body = await this.readChunked();
    } else {
      await this.until(() => (this.ended ? true : undefined));
      body = this.buffer;
      this.buffer = Buffer.alloc(0);
    }
    return { status, headers: head, body: body.toString("utf8") };
  }

  close(): void {
    this.socket.destroy();
  }

  private async readChunked(): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = await this.until(() => {
        const i = this.buffer.indexOf("\r\n");
        return i < 0 ? undefined : i;
      });
      const size = Number.parseInt(this.buffer.subarray(0, lineEnd).toString("latin1"), 16);
      const needed = lineEnd + 2 + size + 2;
      await this.until(() => (this.buffer.length >= needed ? true : undefined));
      parts.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      this.buffer = this.buffer.subarray(needed);
      if (size === 0) return Buffer.concat(parts);
    }
  }

  /** Waits for data until `ready` returns something, or fails when the connection closes first. */
  private async until<T>(ready: () => T | undefined): Promise<T> {
    for (;;) {
      const value = ready();
      if (value !== undefined) return value;
      if (this.ended) throw new Error("connection closed before the response was complete");
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
      this.waiter = undefined;
    }
  }
}
