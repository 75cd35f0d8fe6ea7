/**
 * Real webhook receivers for tests: a local HTTP server whose answer to each request a test
 * decides (a status, a body, a redirect, or no answer at all: a hang the sender must time out on),
 * keeping every request it got. `verified` checks a request with the `standardwebhooks` package,
 * a verifier nobody here wrote.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export type ReceivedRequest = { method: string; path: string; headers: IncomingHttpHeaders; body: string };
/** What to answer to the n-th request (1-based): a status with a body, or "hang" (never answer). */
export type Answer = { status: number; body?: string; headers?: Record<string, string> } | "hang";

export type Receiver = {
  url: string;
  requests: ReceivedRequest[];
  close: () => Promise<void>;
};

export async function startReceiver(
  answer: (n: number, request: ReceivedRequest) => Answer = () => ({ status: 200 }),
  host = "127.0.0.1",
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(request);
      const reply = answer(requests.length, request);
      if (reply === "hang") return;
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host === "127.0.0.1" ? "127.0.0.1" : host}:${port}/hooks`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The request's payload, verified with the `standardwebhooks` package (throws if the signature or timestamp is wrong). */
export function verified(secret: string, request: ReceivedRequest): Record<string, any> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (typeof value === "string") headers[name] = value;
  return new Webhook(secret).verify(request.body, headers) as Record<string, any>;
}
