/**
 * The webhook delivery Lambda, invoked as AWS invokes it: an SQS batch of EventBridge events
 * (as the bus rule delivers them) and the every-minute schedule. Only the message that could not
 * be fanned out is reported in batchItemFailures; a redelivered message sends nothing twice; the
 * scheduled run sends the retries the stage's clock says are due.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb } from "../support/db";
import { storedTestClock } from "../../core/db/test-clock";
import { RecordingPublisher, type BillingEvent } from "../../core/deps";
import { webhookDeps, type WebhookDeps } from "../../core/webhooks/deps";
import { createWebhookEndpoint } from "../../core/webhooks/endpoints";
import { startReceiver, type Receiver, verified } from "../support/receiver";
import type { SqsBatchResponse, SqsEvent } from "../../functions/deliver-webhooks";
import { dynamoEndpoint } from "../support/dynamo-endpoint";

const SIGNING_SECRET = "lambda-signing-secret-0123456789abcdef";
let deps: WebhookDeps;
let handler: (event: unknown, context?: { getRemainingTimeInMillis: () => number }) => Promise<unknown>;
let ok: Receiver;
let flaky: Receiver;
let secrets: { ok: string; flaky: string };

beforeAll(async () => {
  const db = await createTestDb();
  const clock = storedTestClock(db, () => new Date("2026-01-01T00:00:00Z"));
  deps = webhookDeps({ db, clock, publisher: new RecordingPublisher() }, SIGNING_SECRET);
  Object.assign(process.env, {
    BILLING_TABLE: db.table,
    DYNAMODB_ENDPOINT: dynamoEndpoint(),
    BILLING_SIGNING_SECRET: SIGNING_SECRET,
    BILLING_CLOCK: "test",
  });
  delete process.env.BILLING_BUS;
  ({ handler } = (await import("../../functions/deliver-webhooks")) as unknown as { handler: typeof handler });
  ok = await startReceiver();
  flaky = await startReceiver((n) => ({ status: n === 1 ? 503 : 200 }));
  secrets = {
    ok: (await createWebhookEndpoint(deps, { url: ok.url, events: ["invoice.paid"] })).secret,
    flaky: (await createWebhookEndpoint(deps, { url: flaky.url, events: ["credits.purchased"] })).secret,
  };
});
afterAll(async () => {
  await ok.close();
  await flaky.close();
});

/** The SQS message body the bus rule delivers for a business event (core/db/event-bus.ts's entry). */
function fromBus(event: BillingEvent, messageId: string) {
  return {
    messageId,
    body: JSON.stringify({
      version: "0",
      id: `eb-${messageId}`,
      "detail-type": event.type,
      source: "billing",
      account: "123456789012",
      time: event.time.replace(/\.\d{3}Z$/, "Z"),
      region: "eu-west-1",
      resources: [],
      detail: { id: event.id, version: event.version, ...event.detail },
    }),
  };
}

const paid: BillingEvent = {
  id: "invoice.paid:INV-000007",
  type: "invoice.paid",
  version: 1,
  time: "2026-01-01T00:00:00.000Z",
  detail: {
    invoice: { id: "INV-000007", number: "INV-000007", customerId: "acme", currency: "USD", total: "20.00" },
    paidAt: "2026-01-01T00:00:00.000Z",
  },
};
const purchased: BillingEvent = {
  id: "credits.purchased:INV-000008",
  type: "credits.purchased",
  version: 1,
  time: "2026-01-01T00:00:00.000Z",
  detail: {
    customerId: "acme",
    packCode: "p100",
    credits: "100",
    price: "10.00",
    currency: "USD",
    invoiceId: "INV-000008",
    idempotencyKey: "k",
  },
};

describe("an SQS batch from the bus rule", () => {
  it("fans out and sends each event; reports only the message it could not read", async () => {
    const batch: SqsEvent = {
      Records: [fromBus(paid, "m1"), { messageId: "m2", body: "{not json" }, fromBus(purchased, "m3")],
    };
    const response = (await handler(batch)) as SqsBatchResponse;
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "m2" }] });
    expect(ok.requests).toHaveLength(1);
    expect(verified(secrets.ok, ok.requests[0]!)).toEqual({
      id: "invoice.paid:INV-000007",
      type: "invoice.paid",
      version: 1,
      createdAt: "2026-01-01T00:00:00.000Z",
      data: paid.detail,
    });
    expect(flaky.requests).toHaveLength(1); // answered 503: its retry is due in 5 s

    // SQS delivers a message again (at least once): nothing is sent twice.
    expect(await handler({ Records: [fromBus(paid, "m1")] })).toEqual({ batchItemFailures: [] });
    expect(ok.requests).toHaveLength(1);
  });

  it("sends the retries due by the stage's clock when the schedule invokes it", async () => {
    const scheduled = {
      id: "sched-1",
      "detail-type": "Scheduled Event",
      source: "aws.events",
      time: "2026-01-01T00:01:00Z",
    };
    expect(await handler(scheduled, { getRemainingTimeInMillis: () => 60_000 })).toMatchObject({
      found: 0,
      attempted: 0,
    });
    await deps.clock.advance(new Date("2026-01-01T00:00:05.000Z"));
    expect(await handler(scheduled, { getRemainingTimeInMillis: () => 60_000 })).toMatchObject({
      found: 1,
      attempted: 1,
      succeeded: 1,
      complete: true,
    });
    expect(flaky.requests).toHaveLength(2);
    expect(verified(secrets.flaky, flaky.requests[1]!).data).toEqual(purchased.detail);
  });
});
