/**
 * A small HTTP/1.1 client for the wire transport: kept-alive connections to one host (TCP, or TLS
 * for https), up to `maxSockets` (50, as the SDK's handler), each request written as one string
 * and each answer read by a parser of its own. node:http's client costs about 40 us of CPU per
 * request on this path (a ClientRequest and an IncomingMessage per call, the agent's socket
 * bookkeeping, listeners added and removed on every request); DynamoDB's answers are plain (a
 * status, headers, a Content-Length or chunked body), so the parser needed is small.
 *
 * Failures are node:http's: a connection that fails or closes before its answer is complete
 * rejects with the socket's error, or with "socket hang up" (code ECONNRESET) as node:http does,
 * which the SDK's retry strategy classifies as transient and retries (a transaction with the same
 * ClientRequestToken, so a commit whose answer was lost is answered with its stored success). A
 * connection is reused only after a complete answer without `Connection: close`.
 */
import { isIP, connect as tcpConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

export type Http1Response = { statusCode: number; headers: Record<string, string>; body: string };

type Exchange = {
  resolve: (response: Http1Response) => void;
  reject: (error: unknown) => void;
  /** What has arrived so far and is not parsed yet. */
  buffered: Buffer | undefined;
  head?: { statusCode: number; headers: Record<string, string>; keepAlive: boolean };
  /** Body framing, once the head is parsed: a length, chunked, or until the connection closes. */
  length?: number;
  chunked?: boolean;
  body: Buffer[];
  bodyBytes: number;
};

type Connection = { socket: Socket; exchange?: Exchange; connected: boolean; closed: boolean };

const CRLF2 = Buffer.from("\r\n\r\n");
const CRLF = Buffer.from("\r\n");

/** A body's pieces as text (most answers arrive in one piece: no copy then). */
const text = (pieces: Buffer[]) =>
  pieces.length === 1 ? pieces[0]!.toString("utf8") : Buffer.concat(pieces).toString("utf8");

const hangUp = () => Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });

export class Http1Pool {
  private readonly idle: Connection[] = [];
  private readonly waiting: ((connection: Connection | Error) => void)[] = [];
  private open = 0;
  private readonly port: number;
  private readonly https: boolean;

  constructor(
    private readonly url: URL,
    private readonly maxSockets = 50,
  ) {
    this.https = url.protocol === "https:";
    this.port = Number(url.port) || (this.https ? 443 : 80);
  }

  /** Sends `head` + `body` (head ends with its blank line) and resolves with the complete answer. */
  async request(head: string, body: string): Promise<Http1Response> {
    const connection = await this.acquire();
    return new Promise<Http1Response>((resolve, reject) => {
      connection.exchange = { resolve, reject, buffered: undefined, body: [], bodyBytes: 0 };
      connection.socket.write(head + body);
    });
  }

  private acquire(): Promise<Connection> {
    const connection = this.idle.pop();
    if (connection) return Promise.resolve(connection);
    if (this.open < this.maxSockets) return this.connect();
    return new Promise<Connection>((resolve, reject) =>
      this.waiting.push((c) => (c instanceof Error ? reject(c) : resolve(c))),
    );
  }

  private connect(): Promise<Connection> {
    this.open++;
    return new Promise<Connection>((resolve, reject) => {
      const host = this.url.hostname.replace(/^\[|\]$/g, "");
      const socket = this.https
        ? tlsConnect({ host, port: this.port, ...(isIP(host) ? {} : { servername: host }) })
        : tcpConnect({ host, port: this.port });
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 1000);
      const connection: Connection = { socket, connected: false, closed: false };
      socket.once(this.https ? "secureConnect" : "connect", () => {
        connection.connected = true;
        resolve(connection);
      });
      socket.on("data", (chunk: Buffer) => this.onData(connection, chunk));
      socket.on("end", () => socket.end()); // the server is done: 'close' follows
      socket.on("error", (error) => this.onClose(connection, error, reject));
      socket.on("close", () => this.onClose(connection, undefined, reject));
    });
  }

  /** The connection is gone (once, on its first 'error' or 'close'): fail what waited on it. */
  private onClose(connection: Connection, error: Error | undefined, rejectConnect: (e: unknown) => void): void {
    if (connection.closed) return;
    connection.closed = true;
    this.open--;
    if (!connection.socket.destroyed) connection.socket.destroy();
    const i = this.idle.indexOf(connection);
    if (i !== -1) this.idle.splice(i, 1);
    const exchange = connection.exchange;
    connection.exchange = undefined;
    if (exchange) this.endOfStream(exchange, error);
    if (!connection.connected) rejectConnect(error ?? hangUp());
    const waiter = this.waiting.shift();
    if (waiter) this.connect().then(waiter, waiter);
  }

  /** The stream ended: an answer framed by the connection's end is complete, anything else failed. */
  private endOfStream(exchange: Exchange, error: Error | undefined): void {
    if (!error && exchange.head && exchange.length === undefined && !exchange.chunked) {
      if (exchange.buffered) exchange.body.push(exchange.buffered);
      const { statusCode, headers } = exchange.head;
      exchange.resolve({ statusCode, headers, body: text(exchange.body) });
      return;
    }
    exchange.reject(error ?? hangUp());
  }

  private onData(connection: Connection, chunk: Buffer): void {
    const exchange = connection.exchange;
    if (!exchange) {
      connection.socket.destroy(); // bytes nobody asked for: the connection is out of step
      return;
    }
    exchange.buffered = exchange.buffered ? Buffer.concat([exchange.buffered, chunk]) : chunk;
    let done: boolean;
    try {
      done = parse(exchange);
    } catch (error) {
      connection.exchange = undefined;
      connection.socket.destroy();
      exchange.reject(error);
      return;
    }
    if (!done) return;
    connection.exchange = undefined;
    const { statusCode, headers, keepAlive } = exchange.head!;
    exchange.resolve({ statusCode, headers, body: text(exchange.body) });
    if (!keepAlive || exchange.buffered) {
      connection.socket.destroy(); // 'close' follows: onClose counts it and serves a waiter
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) waiter(connection);
    else this.idle.push(connection);
  }
}

/** Parses what `exchange` has buffered; true once its answer is complete. */
function parse(exchange: Exchange): boolean {
  for (;;) {
    const buffered = exchange.buffered;
    if (!buffered) return false;
    if (!exchange.head) {
      const end = buffered.indexOf(CRLF2);
      if (end === -1) {
        if (buffered.length > 64 * 1024) throw new Error("HTTP response head too large");
        return false;
      }
      const lines = buffered.toString("latin1", 0, end).split("\r\n");
      const status = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0]!);
      if (!status) throw new Error(`malformed HTTP status line: ${lines[0]!.slice(0, 100)}`);
      const headers: Record<string, string> = {};
      for (let i = 1; i < lines.length; i++) {
        const line = lines[i]!;
        const colon = line.indexOf(":");
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
      }
      exchange.buffered = end + 4 < buffered.length ? buffered.subarray(end + 4) : undefined;
      const statusCode = Number(status[2]);
      if (statusCode >= 100 && statusCode < 200) continue; // an interim answer (100 Continue): the real one follows
      const connection = (headers.connection ?? "").toLowerCase();
      const keepAlive = status[1] === "1" ? !connection.includes("close") : connection.includes("keep-alive");
      exchange.head = { statusCode, headers, keepAlive };
      if (/\bchunked\b/i.test(headers["transfer-encoding"] ?? "")) exchange.chunked = true;
      else if (headers["content-length"] !== undefined) {
        if (!/^\d+$/.test(headers["content-length"])) throw new Error("malformed HTTP Content-Length");
        exchange.length = Number(headers["content-length"]);
      } else if (statusCode === 204 || statusCode === 304) exchange.length = 0;
      else exchange.head.keepAlive = false; // the body runs to the end of the connection
      continue;
    }
    if (exchange.length !== undefined) {
      const need = exchange.length - exchange.bodyBytes;
      if (buffered.length < need) {
        exchange.body.push(buffered);
        exchange.bodyBytes += buffered.length;
        exchange.buffered = undefined;
        return false;
      }
      exchange.body.push(buffered.subarray(0, need));
      exchange.bodyBytes += need;
      exchange.buffered = need < buffered.length ? buffered.subarray(need) : undefined;
      return true;
    }
    if (!exchange.chunked) {
      exchange.body.push(buffered); // until the connection ends (endOfStream)
      exchange.bodyBytes += buffered.length;
      exchange.buffered = undefined;
      return false;
    }
    // Chunked: <hex size>[;ext]\r\n<data>\r\n ... 0\r\n[trailers]\r\n
    const lineEnd = buffered.indexOf(CRLF);
    if (lineEnd === -1) return false;
    const size = Number.parseInt(buffered.toString("latin1", 0, lineEnd).split(";")[0]!.trim(), 16);
    if (!Number.isFinite(size) || size < 0) throw new Error("malformed HTTP chunk size");
    if (size === 0) {
      const trailersEnd = buffered.indexOf(CRLF2, lineEnd);
      if (trailersEnd === -1) return false;
      exchange.buffered = trailersEnd + 4 < buffered.length ? buffered.subarray(trailersEnd + 4) : undefined;
      return true;
    }
    const start = lineEnd + 2;
    if (buffered.length < start + size + 2) return false;
    exchange.body.push(buffered.subarray(start, start + size));
    exchange.bodyBytes += size;
    exchange.buffered = start + size + 2 < buffered.length ? buffered.subarray(start + size + 2) : undefined;
  }
}
