/**
 * The scheduled sweeper, invoked as EventBridge invokes it: with a real scheduled-event object.
 * It closes what is due and nothing else.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createTestDb } from "../support/db";
import { storedTestClock } from "../../core/db/test-clock";
import { RecordingPublisher, type Deps } from "../../core/deps";
import { createFeature } from "../../core/features";
import { createPlan } from "../../core/plans";
import { createCustomer } from "../../core/customers";
import { subscribe } from "../../core/subscriptions";
import { customerInvoices } from "../../core/invoices/status";
import { parseMoney } from "../../core/money";
import { dynamoEndpoint } from "../support/dynamo-endpoint";

const scheduledEvent = {
  version: "0",
  id: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: "2026-01-02T00:05:00Z",
  region: "us-east-1",
  resources: ["arn:aws:events:us-east-1:123456789012:rule/billing-close-periods"],
  detail: {},
};

let deps: Deps;
let handler: (
  event: typeof scheduledEvent,
  context?: { getRemainingTimeInMillis: () => number },
) => Promise<{ found: number; closed: number; failed: number }>;

beforeAll(async () => {
  const db = await createTestDb();
  deps = {
    db,
    clock: storedTestClock(db, () => new Date("2026-01-01T00:00:00Z")),
    publisher: new RecordingPublisher(),
  };
  Object.assign(process.env, {
    BILLING_TABLE: db.table,
    DYNAMODB_ENDPOINT: dynamoEndpoint(),
    BILLING_API_KEY: "k",
    BILLING_CLOCK: "test",
  });
  delete process.env.BILLING_BUS;
  ({ handler } = await import("../../functions/close-periods"));
  await createFeature(deps, { code: "calls", name: "Calls", kind: "METERED" });
  const feature = [{ feature: "calls", included: 0n, overagePrice: parseMoney("0.1") }];
  await createPlan(deps, {
    code: "daily",
    name: "Daily",
    model: "METERED",
    basePrice: parseMoney("2"),
    interval: "DAY",
    features: feature,
  });
  await createPlan(deps, {
    code: "monthly",
    name: "Monthly",
    model: "METERED",
    basePrice: parseMoney("50"),
    interval: "MONTH",
    features: feature,
  });
  for (const [id, plan] of [
    ["due", "daily"],
    ["not-due", "monthly"],
  ] as const) {
    await createCustomer(deps, { id });
    await subscribe(deps, id, plan);
  }
  await deps.clock.advance(new Date("2026-01-02T00:05:00Z"));
});

describe("functions/close-periods handler", () => {
  it("closes the due DAY subscription and leaves the MONTH one untouched", async () => {
    const result = await handler(scheduledEvent, { getRemainingTimeInMillis: () => 300_000 });
    expect(result).toMatchObject({ found: 1, closed: 1, failed: 0 });
    const due = await customerInvoices(deps, "due");
    expect(due.map((i) => [i.number, i.periodStart, i.total])).toEqual([
      ["INV-000003", "2026-01-01T00:00:00.000Z", parseMoney("2")],
      ["INV-000001", "2026-01-01T00:00:00.000Z", parseMoney("2")],
    ]);
    expect((await customerInvoices(deps, "not-due")).map((i) => i.number)).toEqual(["INV-000002"]);
    expect(await handler(scheduledEvent)).toMatchObject({ found: 0, closed: 0, failed: 0 });
  });
});
