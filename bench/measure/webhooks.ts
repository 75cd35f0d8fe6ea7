/**
 * Section 9: webhook deliveries per second to a local receiver (an HTTP server in this process answering
 * 200), through the code the delivery function runs: events fanned out 10 at a time (an SQS
 * batch) by 8 concurrent workers, each delivery attempted at once (publish path); then the
 * same number of retries sent by the due pass, 16 at a time (retry path). Counted: DynamoDB
 * requests per delivery. The test clock is used because the receiver is on loopback, which
 * production mode refuses (SSRF rules); the clock plays no part in the timing.
 *
 *   npm run bench -- --only webhooks [--quick]
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { openDb } from "../../core/db/client";
import { ensureTable } from "../../core/db/table";
import { storedTestClock } from "../../core/db/test-clock";
import { type BillingEvent, RecordingPublisher } from "../../core/deps";
import { attemptFannedOut } from "../../core/webhooks/attempt";
import { webhookDeps } from "../../core/webhooks/deps";
import { createWebhookEndpoint } from "../../core/webhooks/endpoints";
import { fanOut } from "../../core/webhooks/fan-out";
import { deliverDue } from "../../core/webhooks/pass";
import { httpTransport } from "../../core/webhooks/transport";
import { TABLE } from "../harness";
import { countRequests, emptyCounts, type Counts } from "../lib";
import { log } from "./context";

export type WebhookRun = { seconds: number; perSec: number; requestsPerDelivery: Record<string, number> };
export type WebhooksResult = { deliveries: number; publish: WebhookRun; retry: WebhookRun };

const BATCH = 10;
const WORKERS = 8;

export async function measureWebhooks(endpoint: string, quick: boolean): Promise<WebhooksResult> {
  const deliveries = quick ? 500 : 2_000;
  const db = await openDb({ table: `${TABLE}-webhooks`, endpoint });
  let counts: Counts = emptyCounts();
  countRequests(db.raw, () => counts);
  await ensureTable(db.raw, db.table);
  const clock = storedTestClock(db, () => new Date("2026-01-01T00:00:00Z"));
  const deps = webhookDeps(
    { db, clock, publisher: new RecordingPublisher() },
    "bench-signing-secret-0123456789abcdef",
    httpTransport({ mode: "test" }),
  );
  let failFirst = false;
  const answered = new Set<string>();
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const id = String(req.headers["webhook-id"]);
      const fail = failFirst && !answered.has(id);
      answered.add(id);
      res.writeHead(fail ? 500 : 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    await createWebhookEndpoint(deps, { url, events: ["*"] });
    const events = (prefix: string, n: number): BillingEvent[] =>
      Array.from({ length: n }, (_, i) => ({
        id: `credits.depleted:${prefix}-${i}:2026-01-01T00:00:00.000Z`,
        type: "credits.depleted",
        version: 1,
        time: "2026-01-01T00:00:00.000Z",
        detail: { customerId: `${prefix}-${i}`, periodStart: "2026-01-01T00:00:00.000Z" },
      }));
    /** What the delivery function does with SQS batches: fan out 10 events, attempt them, by 8 workers. */
    const publish = async (all: BillingEvent[]) => {
      let next = 0;
      const worker = async () => {
        while (next < all.length) {
          const batch = all.slice(next, next + BATCH);
          next += BATCH;
          await Promise.all((await fanOut(deps, batch)).map((f) => attemptFannedOut(deps, f)));
        }
      };
      await Promise.all(Array.from({ length: WORKERS }, worker));
    };
    const timed = async (what: () => Promise<unknown>): Promise<WebhookRun> => {
      counts = emptyCounts();
      const t0 = performance.now();
      await what();
      const seconds = (performance.now() - t0) / 1000;
      const requests = Object.fromEntries(
        Object.entries(counts.requests).map(([op, n]) => [op, Math.round((n / deliveries) * 100) / 100]),
      );
      return { seconds, perSec: deliveries / seconds, requestsPerDelivery: requests };
    };

    log(`bench: webhooks, ${deliveries} deliveries to a local receiver (after a warm-up)...`);
    await publish(events("warm", Math.min(500, deliveries)));
    const publishPath = await timed(() => publish(events("pub", deliveries)));
    failFirst = true;
    await publish(events("retry", deliveries));
    await clock.advance(new Date("2026-01-01T00:00:05.000Z"));
    let pass: Awaited<ReturnType<typeof deliverDue>> | undefined;
    const retryPath = await timed(async () => {
      pass = await deliverDue(deps, { budgetMs: 600_000, concurrency: 16 });
    });
    if (pass?.attempted !== deliveries || pass.succeeded !== deliveries)
      throw new Error(`the pass sent ${pass?.attempted} retries, ${pass?.succeeded} delivered; expected ${deliveries}`);
    return { deliveries, publish: publishPath, retry: retryPath };
  } finally {
    server.closeAllConnections();
    server.close();
    db.raw.destroy();
  }
}
