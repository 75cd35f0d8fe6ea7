/**
 * The wire transport's HTTP/1.1 client (core/db/wire/http1.ts) against a scripted server on a
 * local socket: answers framed by length, chunked in pieces of any size, or by the connection's
 * end; interim answers; connections kept alive and reused, closed by the server while idle, or
 * dropped before the answer is complete (the caller gets node:http's ECONNRESET, which the retry
 * strategy retries); and at most `maxSockets` connections, the rest queued.
 */
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Http1Pool } from "../../../core/db/wire/http1";

const HEAD = "POST / HTTP/1.1\r\nhost: x\r\n\r\n";
let server: Server | undefined;
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A server that answers each request (one per `\r\n\r\n`-ended head + its body "ping") with `reply(n, socket)`. */
async function serve(reply: (n: number, socket: Socket) => void): Promise<{ url: URL; connections: () => number }> {
  let n = 0;
  let connections = 0;
  server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    let buffered = "";
    socket.on("data", (chunk) => {
      buffered += chunk.toString();
      while (buffered.includes("ping")) {
        buffered = buffered.slice(buffered.indexOf("ping") + 4);
        reply(n++, socket);
      }
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return { url: new URL(`http://127.0.0.1:${port}`), connections: () => connections };
}

/** Writes `text` in pieces of `size` bytes, one per tick. */
async function trickle(socket: Socket, text: string, size: number) {
  for (let i = 0; i < text.length; i += size) {
    socket.write(text.slice(i, i + size));
    await new Promise((r) => setImmediate(r));
  }
}

const ok = (body: string, extra = "") =>
  `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-amzn-RequestId: r1${extra}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe("the wire transport's HTTP/1.1 client", () => {
  it("reads answers framed by length, reuses the connection, and lower-cases header names", async () => {
    const { url, connections } = await serve((n, socket) => socket.write(ok(`{"n":${n},"é":"ü"}`)));
    const pool = new Http1Pool(url);
    for (let i = 0; i < 3; i++) {
      const answer = await pool.request(HEAD, "ping");
      expect(answer).toEqual({
        statusCode: 200,
        headers: { "content-type": "application/json", "x-amzn-requestid": "r1", "content-length": "17" },
        body: `{"n":${i},"é":"ü"}`,
      });
    }
    expect(connections()).toBe(1);
  });

  it("reads chunked answers and answers arriving a byte at a time, after an interim 100", async () => {
    const body = '{"Item":{"pk":{"S":"a"}}}';
    const chunked = `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\n${body.slice(0, 5)}\r\n${(body.length - 5).toString(16)}\r\n${body.slice(5)}\r\n0\r\nTrailer: x\r\n\r\n`;
    const { url, connections } = await serve((n, socket) => void trickle(socket, n === 0 ? chunked : ok(body), 1));
    const pool = new Http1Pool(url);
    expect(await pool.request(HEAD, "ping")).toMatchObject({ statusCode: 400, body });
    expect(await pool.request(HEAD, "ping")).toMatchObject({ statusCode: 200, body });
    expect(connections()).toBe(1);
  });

  it("reads an answer framed by the connection's end, then opens a new connection", async () => {
    const { url, connections } = await serve((_n, socket) =>
      socket.end("HTTP/1.1 500 Oops\r\nConnection: close\r\n\r\n{}"),
    );
    const pool = new Http1Pool(url);
    expect(await pool.request(HEAD, "ping")).toEqual({ statusCode: 500, headers: { connection: "close" }, body: "{}" });
    expect(await pool.request(HEAD, "ping")).toMatchObject({ statusCode: 500 });
    expect(connections()).toBe(2);
  });

  it("fails with ECONNRESET when the connection drops before the answer is complete", async () => {
    const { url } = await serve((n, socket) => (n === 0 ? socket.end(ok("{}").slice(0, 30)) : socket.write(ok("{}"))));
    const pool = new Http1Pool(url);
    await expect(pool.request(HEAD, "ping")).rejects.toMatchObject({ code: "ECONNRESET", message: "socket hang up" });
    expect(await pool.request(HEAD, "ping")).toMatchObject({ statusCode: 200, body: "{}" });
  });

  it("drops a connection the server closed while it was idle", async () => {
    const { url, connections } = await serve((n, socket) => (n === 0 ? socket.end(ok("{}")) : socket.write(ok("{}"))));
    const pool = new Http1Pool(url);
    expect(await pool.request(HEAD, "ping")).toMatchObject({ statusCode: 200 });
    await new Promise((r) => setTimeout(r, 50)); // the server's FIN arrives
    expect(await pool.request(HEAD, "ping")).toMatchObject({ statusCode: 200 });
    expect(connections()).toBe(2);
  });

  it("fails with the socket's error when nothing listens", async () => {
    const { url } = await serve(() => undefined);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    await expect(new Http1Pool(url).request(HEAD, "ping")).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("opens at most maxSockets connections and queues the rest", async () => {
    const { url, connections } = await serve((n, socket) => setTimeout(() => socket.write(ok(`${n}`)), 5));
    const pool = new Http1Pool(url, 2);
    const answers = await Promise.all(Array.from({ length: 10 }, () => pool.request(HEAD, "ping")));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(10).fill(200));
    expect(answers.map((a) => Number(a.body)).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(connections()).toBe(2);
  });
});
