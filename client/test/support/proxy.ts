/**
 * A real HTTP proxy on a local port in front of the test API. For each request it forwards the body
 * and waits for the API's whole answer (so the API has done the work), then either relays it or,
 * when `drop(n)` says so for request number n (1-based), destroys the client's connection
 * instead: the answer is lost on the way back, the way a network failure loses it.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type DroppingProxy = {
  url: string;
  /** Bodies of the requests received, in order. */
  bodies: string[];
  close: () => Promise<void>;
};

export async function startDroppingProxy(target: string, drop: (n: number) => boolean): Promise<DroppingProxy> {
  const bodies: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    bodies.push(body);
    const n = bodies.length;
    const upstream = await fetch(target, {
      method: req.method,
      headers: { "content-type": "application/json", authorization: req.headers.authorization ?? "" },
      body,
    });
    const text = await upstream.text();
    if (drop(n)) {
      req.socket.destroy();
      return;
    }
    res.writeHead(upstream.status, {
      "content-type": upstream.headers.get("content-type") ?? "application/json",
      "x-request-id": upstream.headers.get("x-request-id") ?? "",
    });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url, bodies, close };
}

/** A server that accepts requests and never answers: for timeouts and aborts. */
export async function startSilentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url, close };
}
