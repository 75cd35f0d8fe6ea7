/**
 * Webhook delivery end to end, with real receivers (local HTTP servers) and every request verified
 * by the `standardwebhooks` package: what is sent (headers, body, real-time timestamp under the test
 * clock), the retry schedule walked with advanceClock, failures (5xx, timeouts, redirects), the
 * attempt log, redelivery, and a receiver that processes by webhook-id seeing each event once.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
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
  api = await startTestApi({ webhooks: {} });
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
  vi.restoreAllMocks();
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

  it("honours a 429's Retry-After within the schedule: no sooner than the schedule, no later than its 10 h step", async () => {
    const answers: Answer[] = [
      { status: 429, headers: { "retry-after": "120" } }, // 2 min instead of 5 s
      { status: 503, headers: { "retry-after": "1" } }, // sooner than 5 min: the schedule wins
      { status: 429, headers: { "retry-after": String(3 * 86_400) } }, // 3 days: capped at 10 h
      { status: 500, headers: { "retry-after": "86400" } }, // not a 429/503: the schedule's 2 h
      { status: 204 },
    ];
    const r = await receiver((n) => answers[n - 1]!);
    const { id } = await endpoint(r.url);
    await subscribeCustomer("acme");
    expect(await deliveries(id)).toMatchObject([
      { lastResponseStatus: 429, nextAttemptAt: "2026-01-01T00:02:00.000Z" },
    ]);
    expect(await at("2026-01-01T00:01:59.999Z")).toBe(0);
    expect(await at("2026-01-01T00:02:00.000Z")).toBe(1);
    expect(await deliveries(id)).toMatchObject([
      { lastResponseStatus: 503, nextAttemptAt: "2026-01-01T00:07:00.000Z" },
    ]);
    expect(await at("2026-01-01T00:07:00.000Z")).toBe(1);
    expect(await deliveries(id)).toMatchObject([
      { lastResponseStatus: 429, nextAttemptAt: "2026-01-01T10:07:00.000Z" },
    ]);
    expect(await at("2026-01-01T10:07:00.000Z")).toBe(1);
    expect(await deliveries(id)).toMatchObject([
      { lastResponseStatus: 500, nextAttemptAt: "2026-01-01T12:07:00.000Z" },
    ]);
    expect(await at("2026-01-01T12:07:00.000Z")).toBe(1);
    expect(await deliveries(id)).toMatchObject([{ status: "SUCCEEDED", attempts: 5, lastResponseStatus: 204 }]);
    expect(r.requests).toHaveLength(5);
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

  it("counts a redirect (never followed) and a refused connection as failures", async () => {
    const target = await receiver();
    const redirecting = await receiver(() => ({ status: 302, headers: { location: target.url } }));
    const closed = await receiver();
    await closed.close();
    const redirect = await endpoint(redirecting.url);
    const refused = await endpoint(closed.url);
    await subscribeCustomer("acme");
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
    expect(redirecting.requests).toHaveLength(1);
    expect(target.requests).toEqual([]);
  });

  it("counts a receiver that does not answer in time as a failure (10 s in the product, 1 s here)", async () => {
    await api.close();
    api = await startTestApi({ webhooks: { transport: httpTransport({ mode: "test", timeoutMs: 1_000 }) } });
    f = fixtures(api);
    await f.features({ api_calls: "METERED" });
    await f.plan({ code: "free", model: "METERED", basePrice: "0", features: [] });
    const hanging = await receiver((n) => (n === 1 ? "hang" : { status: 200 }));
    const { id } = await endpoint(hanging.url);
    await subscribeCustomer("acme");
    expect((await deliveries(id, `${DELIVERY} ${LOG}`))[0]).toMatchObject({
      status: "PENDING",
      lastResponseStatus: null,
      lastError: "timed out after 1 s",
      attemptLog: [{ number: 1, succeeded: false, responseStatus: null, error: "timed out after 1 s" }],
    });
    expect(await at("2026-01-01T00:00:05.000Z")).toBe(1);
    expect((await deliveries(id))[0]).toMatchObject({ status: "SUCCEEDED", attempts: 2 });
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

describe("exactly once for a receiver that processes by webhook-id", () => {
  it("sees each event once through failed answers, retries, redeliveries and republished events", async () => {
    // It processes an event (once per webhook-id), but crashes before answering the first time.
    const processed: string[] = [];
    const seen = new Map<string, number>();
    const r = await receiver((_, request) => {
      const id = String(request.headers["webhook-id"]);
      if (!seen.has(id)) processed.push(verified(secret, request).id);
      seen.set(id, (seen.get(id) ?? 0) + 1);
      return seen.get(id) === 1 ? { status: 500 } : { status: 200 };
    });
    const { id, secret } = await endpoint(r.url);
    for (const customer of ["a", "b", "c"]) await subscribeCustomer(customer);
    expect(await at("2026-01-01T00:00:05.000Z")).toBe(3);
    for (const { id: deliveryId } of await deliveries(id))
      expect(
        (await api.ok(`mutation($d: ID!) { redeliverWebhook(deliveryId: $d) { status attempts } }`, { d: deliveryId }))
          .redeliverWebhook,
      ).toEqual({ status: "SUCCEEDED", attempts: 3 });
    // The outbox publishing the same events again (a crash after publishing, before clearing it).
    const again = api.deps.publisher.published.filter((e) => e.type === "subscription.created");
    await api.webhooks!.deps.publisher.publish(again);
    await api.webhooks!.idle();
    expect(await at("2026-01-05T00:00:00.000Z")).toBe(0);

    expect(r.requests).toHaveLength(9);
    expect(processed).toEqual([
      "subscription.created:a:2026-01-01T00:00:00.000Z",
      "subscription.created:b:2026-01-01T00:00:00.000Z",
      "subscription.created:c:2026-01-01T00:00:00.000Z",
    ]);
  });
});

describe("redeliverWebhook", () => {
  it("sends again now, and a failed redelivery starts the schedule over", async () => {
    let answer = 200;
    const r = await receiver(() => ({ status: answer }));
    const { id } = await endpoint(r.url);
    await subscribeCustomer("acme");
    const [delivery] = await deliveries(id);
    expect(delivery).toMatchObject({ status: "SUCCEEDED", attempts: 1 });
    await f.advanceClock("2026-01-02T00:00:00.000Z");
    answer = 500;
    const redeliver = (d: string) =>
      api.ok(`mutation($d: ID!) { redeliverWebhook(deliveryId: $d) { ${DELIVERY} } }`, { d });
    expect((await redeliver(delivery.id)).redeliverWebhook).toEqual({
      ...delivery,
      status: "PENDING",
      attempts: 2,
      lastAttemptAt: "2026-01-02T00:00:00.000Z",
      nextAttemptAt: "2026-01-02T00:00:05.000Z",
      lastResponseStatus: 500,
    });
    answer = 200;
    expect(await at("2026-01-02T00:00:05.000Z")).toBe(1);
    expect(r.requests.map((q) => q.headers["webhook-id"])).toEqual(Array(3).fill(delivery.eventId));
    expect(new Set(r.requests.map((q) => q.body)).size).toBe(1);
  });

  it("is NOT_FOUND for an unknown delivery and BAD_USER_INPUT while its endpoint is disabled", async () => {
    const r = await receiver(() => ({ status: 500 }));
    const { id } = await endpoint(r.url);
    await subscribeCustomer("acme");
    const [delivery] = await deliveries(id);
    const redeliver = (d: string) => api.gql(`mutation($d: ID!) { redeliverWebhook(deliveryId: $d) { id } }`, { d });
    expect((await redeliver("wd_000000000000000000000000")).errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    await api.ok(`mutation($id: ID!) { updateWebhookEndpoint(id: $id, enabled: false) { enabled } }`, { id });
    const refused = await redeliver(delivery.id);
    expect(refused.errors?.[0]).toMatchObject({
      message: `deliveryId: its endpoint "${id}" is disabled; enable it first (updateWebhookEndpoint with enabled: true)`,
      extensions: { code: "BAD_USER_INPUT" },
    });
    // Its pending retry ends FAILED, unsent, when it comes due.
    expect(await at("2026-01-01T00:00:05.000Z")).toBe(0);
    expect(await deliveries(id)).toMatchObject([
      { status: "FAILED", attempts: 1, nextAttemptAt: null, lastError: "the endpoint is disabled" },
    ]);
    expect(r.requests).toHaveLength(1);
  });
});

describe("endpoint health", () => {
  it("disables an endpoint after 5 days without a success, announcing webhook_endpoint.disabled", async () => {
    let failing = true;
    const broken = await receiver(() => ({ status: failing ? 500 : 200 }));
    const watcher = await receiver();
    const a = await endpoint(broken.url, ["subscription.created"]);
    const b = await endpoint(watcher.url, ["webhook_endpoint.disabled"]);
    const state = async () =>
      (await api.ok(`{ webhookEndpoints { id enabled disabledReason failingSince } }`)).webhookEndpoints.find(
        (e: { id: string }) => e.id === a.id,
      );
    await subscribeCustomer("c1"); // fails: failing since 2026-01-01
    expect(await state()).toEqual({
      id: a.id,
      enabled: true,
      disabledReason: null,
      failingSince: "2026-01-01T00:00:00.000Z",
    });
    await f.advanceClock("2026-01-05T23:59:59.999Z");
    await subscribeCustomer("c2"); // fails, 1 ms short of 5 days
    expect((await state()).enabled).toBe(true);
    await f.advanceClock("2026-01-06T00:00:00.000Z");
    await subscribeCustomer("c3"); // fails: 5 days without a success
    const reason = "no successful delivery since 2026-01-01T00:00:00.000Z (5 days)";
    expect(await state()).toEqual({
      id: a.id,
      enabled: false,
      disabledReason: reason,
      failingSince: "2026-01-01T00:00:00.000Z",
    });

    expect(watcher.requests).toHaveLength(1);
    expect(verified(b.secret, watcher.requests[0]!)).toEqual({
      id: `webhook_endpoint.disabled:${a.id}:2026-01-01T00:00:00.000Z`,
      type: "webhook_endpoint.disabled",
      version: 1,
      createdAt: "2026-01-06T00:00:00.000Z",
      data: {
        endpointId: a.id,
        url: broken.url,
        reason,
        failingSince: "2026-01-01T00:00:00.000Z",
        disabledAt: "2026-01-06T00:00:00.000Z",
      },
    });
    expect(api.deps.publisher.published.filter((e) => e.type === "webhook_endpoint.disabled")).toHaveLength(1);
    // Its due retries end unsent.
    await at("2026-01-06T00:00:05.000Z");
    expect(broken.requests).toHaveLength(3);
    expect((await deliveries(a.id)).map((d: { status: string }) => d.status)).toEqual(["FAILED", "FAILED", "FAILED"]);

    // Enabled again, it starts afresh.
    failing = false;
    expect(
      (
        await api.ok(
          `mutation($id: ID!) { updateWebhookEndpoint(id: $id, enabled: true) { enabled disabledReason failingSince } }`,
          { id: a.id },
        )
      ).updateWebhookEndpoint,
    ).toEqual({ enabled: true, disabledReason: null, failingSince: null });
    await subscribeCustomer("c4");
    expect(broken.requests).toHaveLength(4);
    expect(await state()).toMatchObject({ enabled: true, failingSince: null });
  });

  it("keeps an endpoint that succeeded in between: the 5 days count from the last failure after a success", async () => {
    let failing = true;
    const r = await receiver(() => ({ status: failing ? 500 : 200 }));
    const { id } = await endpoint(r.url);
    await subscribeCustomer("c1");
    await f.advanceClock("2026-01-03T00:00:00.000Z");
    failing = false;
    await subscribeCustomer("c2");
    failing = true;
    await f.advanceClock("2026-01-04T00:00:00.000Z");
    await subscribeCustomer("c3");
    await f.advanceClock("2026-01-08T00:00:00.000Z");
    await subscribeCustomer("c4");
    expect((await api.ok(`{ webhookEndpoints { id enabled failingSince } }`)).webhookEndpoints).toEqual([
      { id, enabled: true, failingSince: "2026-01-04T00:00:00.000Z" },
    ]);
  });

  it("disables at once an endpoint answering 410 Gone, and ends that delivery", async () => {
    const r = await receiver(() => ({ status: 410 }));
    const { id } = await endpoint(r.url);
    await subscribeCustomer("acme");
    expect((await api.ok(`{ webhookEndpoints { enabled disabledReason } }`)).webhookEndpoints).toEqual([
      { enabled: false, disabledReason: "the endpoint answered 410 Gone" },
    ]);
    expect(await deliveries(id)).toMatchObject([{ status: "FAILED", attempts: 1, lastResponseStatus: 410 }]);
    expect(api.deps.publisher.published.filter((e) => e.type === "webhook_endpoint.disabled").map((e) => e.id)).toEqual(
      [`webhook_endpoint.disabled:${id}:2026-01-01T00:00:00.000Z`],
    );
  });

  it("ends the pending deliveries of a deleted endpoint unsent; its log stays listed", async () => {
    const r = await receiver(() => ({ status: 500 }));
    const { id } = await endpoint(r.url);
    await subscribeCustomer("acme");
    await api.ok(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { id } }`, { id });
    expect(await at("2026-01-01T00:00:05.000Z")).toBe(0);
    expect(await deliveries(id)).toMatchObject([
      { status: "FAILED", attempts: 1, lastError: "the endpoint was deleted", nextAttemptAt: null },
    ]);
    expect(r.requests).toHaveLength(1);
  });
});

describe("secret rotation", () => {
  it("signs with the old and the new secret for 24 hours, then with the new one only", async () => {
    const r = await receiver();
    const { id, secret: old } = await endpoint(r.url);
    const { rotateWebhookSecret } = await api.ok(
      `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { id url } } }`,
      { id },
    );
    const fresh = rotateWebhookSecret.secret as string;
    expect(fresh).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(fresh).not.toBe(old);
    expect(rotateWebhookSecret.endpoint).toEqual({ id, url: r.url });

    await f.advanceClock("2026-01-01T23:59:59.999Z");
    await subscribeCustomer("during");
    const [during] = r.requests;
    expect(String(during!.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    expect(verified(old, during!).type).toBe("subscription.created");
    expect(verified(fresh, during!).type).toBe("subscription.created");

    await f.advanceClock("2026-01-02T00:00:00.000Z");
    await subscribeCustomer("after");
    const after = r.requests[1]!;
    expect(String(after.headers["webhook-signature"]).split(" ")).toHaveLength(1);
    expect(verified(fresh, after).data.customerId).toBe("after");
    expect(() => verified(old, after)).toThrow(/No matching signature/);
  });

  it("keeps at most two previous secrets when rotating again within the day", async () => {
    const r = await receiver();
    const { id } = await endpoint(r.url);
    const rotate = async () =>
      (await api.ok(`mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, { id })).rotateWebhookSecret
        .secret as string;
    const secrets = [await rotate(), await rotate(), await rotate()];
    await subscribeCustomer("acme");
    expect(String(r.requests[0]!.headers["webhook-signature"]).split(" ")).toHaveLength(3);
    for (const secret of secrets) expect(verified(secret, r.requests[0]!).type).toBe("subscription.created");
  });
});

describe("concurrent workers", () => {
  it("never both send one attempt: four passes at once send each due retry once", async () => {
    const answered = new Set<string>();
    const r = await receiver((_, request) => {
      const id = String(request.headers["webhook-id"]);
      if (answered.has(id)) return { status: 200 };
      answered.add(id);
      return { status: 500 };
    });
    const { id } = await endpoint(r.url, ["*"]);
    for (let n = 0; n < 10; n++) await subscribeCustomer(`c${n}`);
    expect(r.requests).toHaveLength(30);
    await f.advanceClock("2026-01-01T00:00:05.000Z");
    const passes = await Promise.all(Array.from({ length: 4 }, () => api.webhooks!.deliverDue()));
    expect(passes.reduce((sum, p) => sum + p.attempted, 0)).toBe(30);
    expect(r.requests).toHaveLength(60);
    const list = await deliveries(id);
    expect(list).toHaveLength(30);
    for (const d of list) expect(d).toMatchObject({ status: "SUCCEEDED", attempts: 2 });
  });
});

describe("a crash between the write and the delivery", () => {
  it("still delivers: unpublished events from the outbox on the next sweep, unsent deliveries on the next pass", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined); // failed publishes are logged
    const r = await receiver();
    const { secret } = await endpoint(r.url, ["*"]);
    // The process dies after the commit, before publishing: the events stay in the outbox.
    const publisher = api.deps.publisher;
    const publish = publisher.publish.bind(publisher);
    publisher.publish = async () => {
      throw new Error("process died");
    };
    await api.ok(`mutation { createCustomer(input: { id: "acme" }) { id } }`);
    await api.ok(`mutation { subscribe(customerId: "acme", planCode: "free") { status } }`);
    await api.webhooks!.idle();
    expect(r.requests).toEqual([]);
    // A process started afterwards (same table) runs the sweeper, which publishes the outbox.
    publisher.publish = publish;
    await api.ok(`mutation { closeDuePeriods }`);
    await api.webhooks!.idle();
    expect(r.requests.map((q) => verified(secret, q).type).sort()).toEqual([
      "invoice.created",
      "invoice.paid",
      "subscription.created",
    ]);

    // Deliveries recorded but never attempted (the process died right after the fan-out) are sent by the pass.
    const { fanOut } = await import("../../core/webhooks/fan-out");
    await fanOut(api.webhooks!.deps, [
      {
        id: "credits.depleted:acme:2026-01-01T00:00:00.000Z",
        type: "credits.depleted",
        version: 1,
        time: "2026-01-01T00:00:00.000Z",
        detail: { customerId: "acme", periodStart: "2026-01-01T00:00:00.000Z" },
      },
    ]);
    expect(r.requests).toHaveLength(3);
    expect(await api.ok(`mutation { deliverDueWebhooks }`)).toEqual({ deliverDueWebhooks: 1 });
    expect(verified(secret, r.requests[3]!).type).toBe("credits.depleted");
  });
});
