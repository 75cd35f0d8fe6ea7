/**
 * The alerts bench line: the delay from a trackUsage that crosses a threshold to that threshold's
 * webhook arriving at a local receiver (an HTTP server in this process), delivered in-process as
 * under `npm start` (publish after the commit, fan-out, first attempt at once): for the built-in
 * usage.threshold_reached (80% of included) and a custom alert at the same level, each track timed
 * alone. Then what a steady-state track (crossing nothing) writes: transactions, items, write units
 * by AWS's rules and as DynamoDB Local reports them. Its own table; test clock (loopback receiver).
 *
 *   npm run bench -- --only alert-webhook [--quick]
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createUsageAlert } from "../../core/alerts";
import { createCustomer } from "../../core/customers";
import { openDb } from "../../core/db/client";
import { ensureTable } from "../../core/db/table";
import { storedTestClock } from "../../core/db/test-clock";
import { RecordingPublisher } from "../../core/deps";
import { createFeature } from "../../core/features";
import { units } from "../../core/money";
import { createPlan } from "../../core/plans";
import { subscribe } from "../../core/subscriptions";
import { trackUsage } from "../../core/usage/track";
import { createWebhookEndpoint } from "../../core/webhooks/endpoints";
import { inProcessWebhooks } from "../../core/webhooks/in-process";
import { httpTransport } from "../../core/webhooks/transport";
import { TABLE } from "../harness";
import { countRequests, emptyCounts, itemBytes, kbUnits, pct, type Counts } from "../lib";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { keys } from "../../core/db/keys";
import { log } from "./context";

export type Delay = { p50: number; p99: number; max: number };
export type AlertWebhookResult = {
  crossings: number;
  threshold: Delay;
  alert: Delay;
  steady: {
    tracks: number;
    transactions: number;
    items: number;
    putWriteUnits: number;
    /** The wallet update's write units by AWS's rules: 2 per KB of the stored wallet item. */
    walletWriteUnits: number;
    walletBytes: number;
    reportedWrite: number;
  };
};

export async function measureAlertWebhook(endpoint: string, quick: boolean): Promise<AlertWebhookResult> {
  const crossings = quick ? 50 : 200;
  const db = await openDb({ table: `${TABLE}-alert-webhook`, endpoint });
  let counts: Counts = emptyCounts();
  countRequests(db.raw, () => counts);
  await ensureTable(db.raw, db.table);
  const clock = storedTestClock(db, () => new Date("2026-01-01T00:00:00Z"));
  const webhooks = inProcessWebhooks(
    { db, clock, publisher: new RecordingPublisher() },
    "bench-signing-0123456789abcdef",
    {
      transport: httpTransport({ mode: "test" }),
    },
  );
  const deps = webhooks.deps;
  const arrived = new Map<string, number>();
  const waiting = new Map<string, () => void>();
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const id = String(req.headers["webhook-id"]);
      arrived.set(id, performance.now());
      waiting.get(id)?.();
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const delivered = (id: string) =>
    arrived.has(id) ? Promise.resolve() : new Promise<void>((resolve) => waiting.set(id, resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    await createWebhookEndpoint(deps, { url, events: ["usage.threshold_reached", "alert.triggered"] });
    await createFeature(deps, { code: "api_calls", name: "API calls", kind: "METERED" });
    await createPlan(deps, {
      code: "alerts-monthly",
      name: "Alerts monthly",
      model: "METERED",
      basePrice: units(10),
      interval: "MONTH",
      features: [{ feature: "api_calls", included: units(100), overagePrice: units(1) }],
    });
    log(`bench: alert webhooks, ${crossings} tracks crossing 80% and an alert, each timed alone...`);
    const toThreshold: number[] = [];
    const toAlert: number[] = [];
    for (let n = 0; n < crossings; n++) {
      const id = `alerted-${n}`;
      await createCustomer(deps, { id });
      await subscribe(deps, id, "alerts-monthly");
      const alert = await createUsageAlert(deps, {
        customerId: id,
        feature: "api_calls",
        metric: "USAGE",
        threshold: units(80),
      });
      await trackUsage(deps, { customerId: id, feature: "api_calls", idempotencyKey: "before", value: units(79) });
      const t0 = performance.now();
      await trackUsage(deps, { customerId: id, feature: "api_calls", idempotencyKey: "cross", value: units(1) });
      const thresholdId = `usage.threshold_reached:${id}:api_calls:2026-01-01T00:00:00.000Z:80`;
      const alertId = `alert.triggered:${alert.id}:1`;
      await Promise.all([delivered(thresholdId), delivered(alertId)]);
      toThreshold.push(arrived.get(thresholdId)! - t0);
      toAlert.push(arrived.get(alertId)! - t0);
    }
    await webhooks.idle();

    const tracks = 200;
    await createCustomer(deps, { id: "steady" });
    await subscribe(deps, "steady", "alerts-monthly");
    await trackUsage(deps, { customerId: "steady", feature: "api_calls", idempotencyKey: "warm", value: units(1) });
    counts = emptyCounts();
    for (let n = 0; n < tracks; n++)
      await trackUsage(deps, { customerId: "steady", feature: "api_calls", idempotencyKey: `s-${n}`, value: 1n });
    const wallet = await db.raw.send(
      new GetItemCommand({ TableName: db.table, Key: marshall(keys.wallet("steady")), ConsistentRead: true }),
    );
    const walletBytes = itemBytes(wallet.Item!);
    const steady = {
      tracks,
      walletBytes,
      walletWriteUnits: 2 * kbUnits(walletBytes),
      transactions: (counts.requests.TransactWriteItems ?? 0) / tracks,
      items: (counts.items.TransactWriteItems ?? 0) / tracks,
      putWriteUnits: counts.transactions.putWriteUnits / tracks,
      reportedWrite: counts.reported.write / tracks,
    };
    return { crossings, threshold: delay(toThreshold), alert: delay(toAlert), steady };
  } finally {
    server.closeAllConnections();
    server.close();
    db.raw.destroy();
  }
}

function delay(ms: number[]): Delay {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: pct(sorted, 0.5), p99: pct(sorted, 0.99), max: sorted.at(-1) ?? 0 };
}
