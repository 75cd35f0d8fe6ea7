/**
 * Webhook delivery end to end, with real receivers (local HTTP servers) and every request verified
 * by the `standardwebhooks` package: what is sent (headers, body, real-time timestamp under the test
 * clock), the retry schedule walked with advanceClock, failures (5xx, timeouts, redirects), the
 * attempt log, redelivery, and a receiver that processes by webhook-id seeing each event once.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { httpTransport } from "../../core/webhooks/transport";
import { fixtures } from "../support/fixtures";
import { type Answer, type ReceivedRequest, type Receiver, startReceiver, verified } from "../support/receiver";
import { startTestApi, type TestApi } from "../support/server";

let api: TestApi;
let f: ReturnType<typeof fixtures>;
const receivers: Receiver[] = [];

const ENDPOINT = `mutation($u: String!, $e: [String!]!) { createWebhookEndpoint(url: $u, events: $e) { secret endpoint { id } } }`;
const DELIVERY = `id eventId eventType status attempts lastAttemptAt nextAttemptAt lastResponseStatus lastError`;
const LOG = `attemptLog { number attemptedAt succeeded responseStatus error responseExcerpt }`;

beforeEach(async () => {
  // Attempts time out after 300 ms here (10 s in the product) so a hanging receiver costs little.
  api = await startTestApi({ webhooks: { transport: httpTransport({ mode: "test", timeoutMs: 300 }) } });
  f = fixtures(api);
  await f.features({ api_calls: "METERED" });
  await f.plan({
    code: "free",
    model: "METERED",
    basePrice: "0",
    features: [{ feature: "api_calls", included: "1000", overagePrice: "0" }],
  });
});
afterEach(async () => {
  await api.webhooks!.idle();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await api.close();
});

async function receiver(answer?: (n: number, request: ReceivedRequest) => Answer) {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}

async function endpoint(url: string, events = ["subscription.created"]) {
  const { createWebhookEndpoint } = await api.ok(ENDPOINT, { u: url, e: events });
  return { id: createWebhookEndpoint.endpoint.id as string, secret: createWebhookEndpoint.secret as string };
}

/** Subscribes a new customer: one subscription.created event (plus the invoice's). */
async function subscribeCustomer(id: string) {
  await f.customerOn(id, "free");
  await api.webhooks!.idle();
}

const deliveries = async (endpointId: string, fields = DELIVERY) =>
  (
    await api.ok(`query($e: ID!) { webhookDeliveries(endpointId: $e) { edges { node { ${fields} } } } }`, {
      e: endpointId,
    })
  ).webhookDeliveries.edges.map((e: { node: unknown }) => e.node);

/** Moves the test clock and runs the due pass, as the scheduled function would. */
async function at(time: string) {
  await f.advanceClock(time);
  return (await api.ok(`mutation { deliverDueWebhooks }`)).deliverDueWebhooks as number;
}

describe("a delivery", () => {
  it("is a Standard Webhooks request: verified by standardwebhooks, timestamped in real time, body { id, type, version, createdAt, data }", async () => {
    const r = await receiver();
    const { id, secret } = await endpoint(r.url);
    const before = Math.floor(Date.now() / 1000);
    await subscribeCustomer("acme");

    expect(r.requests).toHaveLength(1);
    const [request] = r.requests;
    expect(request!.method).toBe("POST");
    expect(request!.path).toBe("/hooks");
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.headers["webhook-id"]).toBe("subscription.created:acme:2026-01-01T00:00:00.000Z");
    // The test clock says 2026-01-01; the timestamp is the real time of sending (receivers check it).
    const timestamp = Number(request!.headers["webhook-timestamp"]);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(request!.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verified(secret, request!)).toEqual({
      id: "subscription.created:acme:2026-01-01T00:00:00.000Z",
      type: "subscription.created",
      version: 1,
      createdAt: "2026-01-01T00:00:00.000Z",
      data: {
        customerId: "acme",
        planCode: "free",
        periodStart: "2026-01-01T00:00:00.000Z",
        periodEnd: "2026-02-01T00:00:00.000Z",
      },
    });
    expect(() => verified(secret.replace(/.{4}$/, "AAA="), request!)).toThrow(/No matching signature/);

    expect(await deliveries(id, `${DELIVERY} createdAt payload`)).toEqual([
      {
        id: expect.stringMatching(/^wd_[0-9a-f]{24}$/),
        eventId: "subscription.created:acme:2026-01-01T00:00:00.000Z",
        eventType: "subscription.created",
        status: "SUCCEEDED",
        attempts: 1,
        lastAttemptAt: "2026-01-01T00:00:00.000Z",
        nextAttemptAt: null,
        lastResponseStatus: 200,
        lastError: null,
        createdAt: "2026-01-01T00:00:00.000Z",
        payload: request!.body,
      },
    ]);
  });

  it("goes only to endpoints subscribed to its type (or to *), and not to disabled ones", async () => {
    const all = await receiver();
    const invoices = await receiver();
    const off = await receiver();
    await endpoint(all.url, ["*"]);
    await endpoint(invoices.url, ["invoice.created", "invoice.paid"]);
    const disabled = await endpoint(off.url, ["*"]);
    await api.ok(`mutation($id: ID!) { updateWebhookEndpoint(id: $id, enabled: false) { enabled } }`, {
      id: disabled.id,
    });
    await subscribeCustomer("acme");
    const types = (r: Receiver) => r.requests.map((q) => JSON.parse(q.body).type).sort();
    expect(types(all)).toEqual(["invoice.created", "invoice.paid", "subscription.created"]);
    expect(types(invoices)).toEqual(["invoice.created", "invoice.paid"]);
    expect(off.requests).toEqual([]);
  });
});

describe("the retry schedule", () => {
  it("retries a failing receiver after 5 s, 5 min and 30 min until it answers 2xx, logging every attempt", async () => {
    const r = await receiver((n) => (n <= 3 ? { status: 500, body: `failure ${n}` } : { status: 204 }));
    const { id, secret } = await endpoint(r.url);
    await subscribeCustomer("acme");
    expect(await deliveries(id)).toMatchObject([
      { status: "PENDING", attempts: 1, lastResponseStatus: 500, nextAttemptAt: "2026-01-01T00:00:05.000Z" },
    ]);
    // Not due before its time.
    expect(await at("2026-01-01T00:00:04.999Z")).toBe(0);
    expect(await at("2026-01-01T00:00:05.000Z")).toBe(1);
    expect(await deliveries(id)).toMatchObject([{ attempts: 2, nextAttemptAt: "2026-01-01T00:05:05.000Z" }]);
    expect(await at("2026-01-01T00:05:05.000Z")).toBe(1);
    expect(await deliveries(id)).toMatchObject([{ attempts: 3, nextAttemptAt: "2026-01-01T00:35:05.000Z" }]);
    expect(await at("2026-01-01T00:35:05.000Z")).toBe(1);

    expect(await deliveries(id, `${DELIVERY} ${LOG}`)).toEqual([
      {
        id: expect.any(String),
        eventId: "subscription.created:acme:2026-01-01T00:00:00.000Z",
        eventType: "subscription.created",
        status: "SUCCEEDED",
        attempts: 4,
        lastAttemptAt: "2026-01-01T00:35:05.000Z",
        nextAttemptAt: null,
        lastResponseStatus: 204,
        lastError: null,
        attemptLog: [
          [1, "2026-01-01T00:00:00.000Z", 500, "failure 1"],
          [2, "2026-01-01T00:00:05.000Z", 500, "failure 2"],
          [3, "2026-01-01T00:05:05.000Z", 500, "failure 3"],
          [4, "2026-01-01T00:35:05.000Z", 204, null],
        ].map(([number, attemptedAt, responseStatus, responseExcerpt]) => ({
          number,
          attemptedAt,
          succeeded: responseStatus === 204,
          responseStatus,
          error: null,
          responseExcerpt,
        })),
      },
    ]);
    // The same webhook-id and body on every attempt, each verified.
    expect(new Set(r.requests.map((q) => q.headers["webhook-id"])).size).toBe(1);
    expect(new Set(r.requests.map((q) => q.body)).size).toBe(1);
    for (const request of r.requests) expect(verified(secret, request).type).toBe("subscription.created");
    // Nothing more is due.
    expect(await at("2026-01-03T00:00:00.000Z")).toBe(0);
    expect(r.requests).toHaveLength(4);
  });

  it("gives up after 8 attempts over 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: FAILED", async () => {
    const r = await receiver(() => ({ status: 503 }));
    const { id } = await endpoint(r.url);
    await subscribeCustomer("acme");
    const due = [
      "2026-01-01T00:00:05.000Z",
      "2026-01-01T00:05:05.000Z",
      "2026-01-01T00:35:05.000Z",
      "2026-01-01T02:35:05.000Z",
      "2026-01-01T07:35:05.000Z",
      "2026-01-01T17:35:05.000Z",
      "2026-01-02T03:35:05.000Z",
    ];
    for (const [i, time] of due.entries()) {
      expect((await deliveries(id))[0]).toMatchObject({ status: "PENDING", attempts: i + 1, nextAttemptAt: time });
      expect(await at(time)).toBe(1);
    }
    expect(await deliveries(id)).toMatchObject([
      {
        status: "FAILED",
        attempts: 8,
        nextAttemptAt: null,
        lastAttemptAt: "2026-01-02T03:35:05.000Z",
        lastResponseStatus: 503,
      },
    ]);
    expect(await at("2026-01-09T00:00:00.000Z")).toBe(0);
    expect(r.requests).toHaveLength(8);
  });

  it("counts a timeout, a redirect (never followed) and a refused connection as failures", async () => {
    const target = await receiver();
    const hanging = await receiver((n) => (n === 1 ? "hang" : { status: 200 }));
    const redirecting = await receiver(() => ({ status: 302, headers: { location: target.url } }));
    const closed = await receiver();
    await closed.close();
    const timeout = await endpoint(hanging.url);
    const redirect = await endpoint(redirecting.url);
    const refused = await endpoint(closed.url);
    await subscribeCustomer("acme");

    expect((await deliveries(timeout.id, `${DELIVERY} ${LOG}`))[0]).toMatchObject({
      status: "PENDING",
      lastResponseStatus: null,
      lastError: "timed out after 0.3 s",
      attemptLog: [{ number: 1, succeeded: false, responseStatus: null, error: "timed out after 0.3 s" }],
    });
    expect((await deliveries(redirect.id))[0]).toMatchObject({
      status: "PENDING",
      lastResponseStatus: 302,
      lastError: "redirect (HTTP 302) not followed",
    });
    expect((await deliveries(refused.id))[0]).toMatchObject({
      status: "PENDING",
      lastResponseStatus: null,
      lastError: expect.stringMatching(/ECONNREFUSED/),
    });
    expect(target.requests).toEqual([]);
    // The hanging receiver answers its retry.
    expect(await at("2026-01-01T00:00:05.000Z")).toBe(3);
    expect((await deliveries(timeout.id))[0]).toMatchObject({ status: "SUCCEEDED", attempts: 2 });
    expect(target.requests).toEqual([]);
  });

  it("keeps only a short excerpt of a response body", async () => {
    const r = await receiver(() => ({ status: 500, body: `${"é".repeat(100)}${"x".repeat(10_000)}` }));
    const { id } = await endpoint(r.url);
    await subscribeCustomer("acme");
    const [attempt] = (await deliveries(id, LOG))[0].attemptLog;
    expect(Buffer.byteLength(attempt.responseExcerpt)).toBe(256);
    expect(attempt.responseExcerpt).toBe(`${"é".repeat(100)}${"x".repeat(56)}`);
  });
});
