/**
 * Thresholds end to end: a track crosses a built-in threshold and a custom alert, and a real local
 * receiver gets each event once, signed per Standard Webhooks (verified with the `standardwebhooks`
 * package), with the body the bus gets.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { fixtures, type Fixtures } from "../support/fixtures";
import { startReceiver, verified, type Receiver } from "../support/receiver";
import { startTestApi, type TestApi } from "../support/server";

let api: TestApi;
let f: Fixtures;
let receiver: Receiver;

beforeAll(async () => {
  api = await startTestApi({ webhooks: {} });
  f = fixtures(api);
  receiver = await startReceiver();
  await f.features({ api_calls: "METERED" });
  await f.plan({
    code: "pro",
    model: "METERED",
    basePrice: "10",
    features: [{ feature: "api_calls", included: "100", overagePrice: "0.01" }],
  });
});
afterAll(async () => {
  await receiver?.close();
  await api?.close();
});

it("delivers usage.threshold_reached and alert.triggered to a subscribed endpoint, once each, verifiably", async () => {
  const { createWebhookEndpoint } = await api.ok(
    `mutation($u: String!) { createWebhookEndpoint(url: $u, events: ["usage.threshold_reached", "alert.triggered"]) { secret } }`,
    { u: receiver.url },
  );
  await f.customerOn("acme", "pro");
  const { createUsageAlert: alert } = await api.ok(
    `mutation { createUsageAlert(input: { customerId: "acme", feature: "api_calls", metric: USAGE, threshold: "85" }) { id } }`,
  );
  await f.track({ customerId: "acme", feature: "api_calls", idempotencyKey: "a", value: "79" });
  await f.track({ customerId: "acme", feature: "api_calls", idempotencyKey: "b", value: "10" });
  await f.track({ customerId: "acme", feature: "api_calls", idempotencyKey: "c", value: "1" });
  await api.webhooks!.idle();

  const bodies = receiver.requests.map((r) => verified(createWebhookEndpoint.secret, r));
  expect(bodies.map((b) => b.type).sort()).toEqual(["alert.triggered", "usage.threshold_reached"]);
  const reached = bodies.find((b) => b.type === "usage.threshold_reached")!;
  expect(reached.data).toMatchObject({ customerId: "acme", feature: "api_calls", percent: 80, threshold: "80" });
  expect(receiver.requests.find((r) => r.body === JSON.stringify(reached))?.headers["webhook-id"]).toBe(reached.id);
  const triggered = bodies.find((b) => b.type === "alert.triggered")!;
  expect(triggered.id).toBe(`alert.triggered:${alert.id}:1`);
  const published = api.deps.publisher.published.filter((e) => e.id === triggered.id);
  expect(published.map((e) => e.detail)).toEqual([triggered.data]);
});
