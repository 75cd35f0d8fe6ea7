/**
 * Every method of @ai-billing/client against the real API over HTTP: what it sends, what it returns,
 * the keys it generates, the typed errors it throws (code and request id), and the read-only client a
 * customer token gets.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BillingClient,
  BillingError,
  createBillingClient,
  isBillingError,
  type ReadOnlyBillingClient,
} from "../src/index.js";
import { fixtures } from "../../test/support/fixtures";
import { rollupPoller } from "../../test/support/rollups";
import { startTestApi, TEST_KEY, type TestApi } from "../../test/support/server";

let api: TestApi;
let f: ReturnType<typeof fixtures>;
let client: BillingClient;
/** Every request the client sent, by operation name. */
const sent: string[] = [];

const countingFetch: typeof fetch = async (input, init) => {
  sent.push(/^(?:query|mutation) (\w+)/.exec(JSON.parse(String(init?.body)).query)?.[1] ?? "?");
  return fetch(input, init);
};

beforeAll(async () => {
  api = await startTestApi();
  f = fixtures(api);
  await f.features({ api_calls: "METERED", images: "METERED", chat: "METERED" });
  await f.plan({
    code: "metered",
    model: "METERED",
    basePrice: "99",
    features: [{ feature: "api_calls", included: "10", overagePrice: "0.5" }],
  });
  await f.plan({
    code: "credits",
    model: "CREDITS",
    basePrice: "49",
    includedCredits: "30",
    features: [{ feature: "images", creditsPerUnit: "10" }],
  });
  await f.plan({
    code: "balance",
    model: "BALANCE",
    basePrice: "100",
    features: [
      { feature: "api_calls", unitPrice: "0.0043" },
      { feature: "chat", pricing: "AI_MODEL", marginBps: 4000 },
    ],
  });
  await f.pack("pack-50", "50", "20");
  client = createBillingClient({ url: api.url, apiKey: TEST_KEY, fetch: countingFetch });
});
afterAll(() => api?.close());

/** The rejection of `promise`, which must be a BillingError. */
async function refusal(promise: Promise<unknown>): Promise<BillingError> {
  const error = await promise.then(
    () => undefined,
    (e) => e,
  );
  expect(isBillingError(error), String(error)).toBe(true);
  return error as BillingError;
}

describe("customers", () => {
  it("given a new id, when created and read, then get returns the profile with subscription, wallet, usage and entitlements", async () => {
    const created = await client.customers.create({
      id: "c-create",
      name: "Acme",
      email: "ops@acme.test",
      metadata: { tier: "gold" },
    });
    expect(created).toEqual({ id: "c-create", name: "Acme", email: "ops@acme.test", metadata: { tier: "gold" } });
    expect(await client.customers.get("c-create")).toEqual({
      id: "c-create",
      name: "Acme",
      email: "ops@acme.test",
      metadata: { tier: "gold" },
      accountCredit: "0.00",
      subscription: null,
      wallet: {
        credits: null,
        planCredits: null,
        planCreditsGranted: null,
        grantedCredits: null,
        purchasedCredits: null,
        balance: null,
        allowance: null,
        allowanceGranted: null,
        topUps: null,
        spent: null,
        overage: null,
        heldCredits: null,
        heldAmount: null,
      },
      usage: [],
      entitlements: [],
    });
    expect(await client.customers.get("nobody")).toBeNull();
  });

  it("given the same id and details again, then the stored customer is returned (the API makes create idempotent by id)", async () => {
    const again = await client.customers.create({
      id: "c-create",
      name: "Acme",
      email: "ops@acme.test",
      metadata: { tier: "gold" },
    });
    expect(again.name).toBe("Acme");
  });

  it("given a taken id with other details, then ALREADY_EXISTS is thrown with the request id and not retried", async () => {
    sent.length = 0;
    const error = await refusal(client.customers.create({ id: "c-create", name: "Other" }));
    expect(error).toBeInstanceOf(BillingError);
    expect(error.code).toBe("ALREADY_EXISTS");
    expect(error.message).toBe('customer "c-create" already exists with other details');
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.attempts).toBe(1);
    expect(error.retryable).toBe(false);
    expect(sent).toEqual(["CreateCustomer"]);
  });
});

describe("subscriptions", () => {
  it("given a customer, when subscribed, changed immediately, changed at period end and canceled, then each returns the subscription", async () => {
    await client.customers.create({ id: "c-sub" });
    const subscribed = await client.subscriptions.subscribe({ customerId: "c-sub", planCode: "metered" });
    expect(subscribed).toEqual({
      status: "ACTIVE",
      currentPeriodStart: "2026-01-01T00:00:00.000Z",
      currentPeriodEnd: "2026-02-01T00:00:00.000Z",
      cancelAtPeriodEnd: false,
      plan: { code: "metered", name: "metered", model: "METERED" },
      scheduledPlan: null,
      addOns: [],
      coupon: null,
    });
    const changed = await client.subscriptions.changePlan({ customerId: "c-sub", planCode: "balance" });
    expect(changed.plan.code).toBe("balance");
    const scheduled = await client.subscriptions.changePlan({
      customerId: "c-sub",
      planCode: "metered",
      timing: "PERIOD_END",
    });
    expect([scheduled.plan.code, scheduled.scheduledPlan?.code]).toEqual(["balance", "metered"]);
    const atEnd = await client.subscriptions.cancel({ customerId: "c-sub" });
    expect([atEnd.status, atEnd.cancelAtPeriodEnd, atEnd.scheduledPlan]).toEqual(["ACTIVE", true, null]);
    const now = await client.subscriptions.cancel({ customerId: "c-sub", timing: "IMMEDIATE", prorate: true });
    expect(now.status).toBe("CANCELED");
    // Newest first. All at one instant: the change credits metered's 99 in full, the prorated cancel
    // balance's 100, whose total stops at 0.00 (issued PAID) with the rest on the account.
    const invoices = await client.invoices.list("c-sub");
    expect(
      invoices.map((i) => [i.lines.map((l) => `${l.kind} ${l.amount}`), i.total, i.creditedToAccount, i.status]),
    ).toEqual([
      [["PRORATION -100.00"], "0.00", "100.00", "PAID"],
      [["PRORATION -99.00", "BASE_FEE 100.00"], "1.00", "0.00", "OPEN"],
      [["BASE_FEE 99.00"], "99.00", "0.00", "OPEN"],
    ]);
    expect(await client.invoices.get(invoices[2]!.id)).toEqual(invoices[2]);
    expect((await client.customers.get("c-sub"))?.accountCredit).toBe("100.00");
  });

  it("given an immediate cancel without prorate, then nothing is credited and, with no lines, no invoice is issued", async () => {
    await f.customerOn("c-cancel", "balance");
    sent.length = 0;
    const canceled = await client.subscriptions.cancel({ customerId: "c-cancel", timing: "IMMEDIATE" });
    expect([canceled.status, sent]).toEqual(["CANCELED", ["CancelSubscription"]]);
    const invoices = await client.invoices.list("c-cancel");
    expect(invoices.map((i) => i.lines.map((l) => l.kind))).toEqual([["BASE_FEE"]]);
    expect((await client.customers.get("c-cancel"))?.accountCredit).toBe("0.00");
  });

  it("given a customer already subscribed, when subscribed again, then ALREADY_EXISTS is thrown once (no earlier lost answer: nothing reconciled)", async () => {
    await f.customerOn("c-twice", "metered");
    sent.length = 0;
    const error = await refusal(client.subscriptions.subscribe({ customerId: "c-twice", planCode: "metered" }));
    expect(error.code).toBe("ALREADY_EXISTS");
    expect(sent).toEqual(["Subscribe"]);
  });
});

describe("usage", () => {
  it("given no key, when tracking, then one is generated; given the same key again, then the event is replayed", async () => {
    await f.customerOn("c-track", "balance");
    const first = await client.usage.track({ customerId: "c-track", feature: "api_calls", value: 10 });
    expect(first.replayed).toBe(false);
    expect(first.event.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect([first.event.cost, first.entitlement.balance]).toEqual(["0.043", "99.957"]);
    const again = await client.usage.track({
      customerId: "c-track",
      feature: "api_calls",
      value: "10",
      idempotencyKey: first.event.idempotencyKey,
    });
    expect(again.replayed).toBe(true);
    expect(again.entitlement.balance).toBe("99.957");
  });

  it("given AI token counts, when tracking, then the event carries the priced tokens", async () => {
    await api.ok(
      `mutation { upsertAiModel(id: "anthropic/claude-sonnet-4-6", inputPrice: "3", outputPrice: "15", cacheReadPrice: "0.3") { id } }`,
    );
    const tracked = await client.usage.track({
      customerId: "c-track",
      feature: "chat",
      idempotencyKey: "ai-1",
      model: "anthropic/claude-sonnet-4-6",
      inputTokens: 1200,
      outputTokens: 350,
      cacheReadTokens: 1000,
    });
    expect(tracked.event).toMatchObject({
      model: "anthropic/claude-sonnet-4-6",
      resolvedModel: "anthropic/claude-sonnet-4-6",
      inputTokens: 1200,
      outputTokens: 350,
      cacheReadTokens: 1000,
      marginBps: 4000,
      providerCost: "0.00915",
      cost: "0.01281",
    });
  });

  it("given a customer out of credits, when tracking, then the refusal is thrown once with its code and nothing is recorded", async () => {
    await f.customerOn("c-credits", "credits");
    await client.usage.track({ customerId: "c-credits", feature: "images", value: 3 });
    sent.length = 0;
    const before = await f.snapshot("c-credits");
    const error = await refusal(client.usage.track({ customerId: "c-credits", feature: "images" }));
    expect([error.code, error.attempts, error.retryable, sent]).toEqual([
      "INSUFFICIENT_CREDITS",
      1,
      false,
      ["TrackUsage"],
    ]);
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await f.snapshot("c-credits")).toEqual(before);
  });

  it("given a check and a quote, then they answer without writing", async () => {
    const denied = await client.usage.check({ customerId: "c-credits", feature: "images" });
    expect(denied).toEqual({
      feature: "images",
      allowed: false,
      reason: "INSUFFICIENT_CREDITS",
      model: "CREDITS",
      used: "3",
      included: null,
      remaining: null,
      credits: "0",
      balance: null,
    });
    expect(await client.usage.check({ customerId: "c-track", feature: "api_calls", amount: 2 })).toMatchObject({
      allowed: true,
      balance: expect.any(String),
    });
    expect(await client.usage.quote({ customerId: "c-track", feature: "api_calls", value: "1000" })).toEqual({
      cost: "4.30",
      credits: null,
    });
  });

  it("given 250 events with refusals in the middle, when tracked as a batch, then 3 requests carry them and each has its result in order", async () => {
    await f.customerOn("c-batch", "metered");
    await f.customerOn("c-batch-cr", "credits"); // 30 credits: 3 images
    const inputs = Array.from({ length: 250 }, (_, i) =>
      i === 7
        ? { customerId: "c-batch", feature: "nope" }
        : i >= 120 && i < 124
          ? { customerId: "c-batch-cr", feature: "images", idempotencyKey: `img-${i}` }
          : { customerId: "c-batch", feature: "api_calls" },
    );
    sent.length = 0;
    const progress: number[] = [];
    const results = await client.usage.trackBatch(inputs, { onProgress: (done) => progress.push(done) });
    expect(sent).toEqual(["TrackUsageBatch", "TrackUsageBatch", "TrackUsageBatch"]);
    expect(progress).toEqual([100, 200, 250]);
    expect(results).toHaveLength(250);
    expect(new Set(results.map((r) => r.idempotencyKey)).size).toBe(250);
    const outline = results.map((r) => (r.ok ? r.event.feature : r.error.code));
    expect(outline.filter((o) => o !== "api_calls")).toEqual([
      "NOT_FOUND",
      "images",
      "images",
      "images",
      "INSUFFICIENT_CREDITS",
    ]);
    expect([outline[7], outline[120], outline[123]]).toEqual(["NOT_FOUND", "images", "INSUFFICIENT_CREDITS"]);
    expect(results[123]).toMatchObject({ ok: false, idempotencyKey: "img-123" });
    // Order kept: the metered counter goes up by one, event after event, in the order given.
    const used = results.flatMap((r) => (r.ok && r.event.feature === "api_calls" ? [Number(r.entitlement.used)] : []));
    expect(used).toEqual(Array.from({ length: 245 }, (_, k) => k + 1));
    // Resending the whole batch with the keys it got records nothing more.
    const keyed = inputs.map((input, i) => ({ ...input, idempotencyKey: results[i]!.idempotencyKey }));
    const again = await client.usage.trackBatch(keyed);
    expect(again.filter((r) => r.ok && r.replayed)).toHaveLength(248);
    expect((await f.usage("c-batch"))[0].used).toBe("245");
  });

  it("given an empty batch, then nothing is sent", async () => {
    sent.length = 0;
    expect(await client.usage.trackBatch([])).toEqual([]);
    expect(sent).toEqual([]);
  });
});

describe("purchases", () => {
  it("given a credit pack purchase and a top-up, when repeated with their keys, then each applies once", async () => {
    await f.customerOn("c-buy", "credits");
    const bought = await client.credits.purchase({ customerId: "c-buy", packCode: "pack-50", idempotencyKey: "buy-1" });
    expect([bought.credits, bought.purchasedCredits]).toEqual(["80", "50"]);
    const again = await client.credits.purchase({ customerId: "c-buy", packCode: "pack-50", idempotencyKey: "buy-1" });
    expect(again.credits).toBe("80");

    await f.customerOn("c-topup", "balance");
    const topped = await client.balance.topUp({ customerId: "c-topup", amount: "25.5", idempotencyKey: "top-1" });
    expect([topped.balance, topped.topUps]).toEqual(["125.50", "25.50"]);
    expect(
      (await client.balance.topUp({ customerId: "c-topup", amount: "25.5", idempotencyKey: "top-1" })).balance,
    ).toBe("125.50");
    const generated = await client.balance.topUp({ customerId: "c-topup", amount: 1 });
    expect(generated.balance).toBe("126.50");
  });
});

describe("customers.update, previews, the upcoming invoice, portal sessions, grants and adjustments", () => {
  it("given a customer, when updated, then the given fields change, a field left out stays and null removes one", async () => {
    await client.customers.create({ id: "c-update", name: "Old", email: "old@acme.test", metadata: { a: 1 } });
    const updated = await client.customers.update("c-update", { name: "New", metadata: null });
    expect(updated).toEqual({ id: "c-update", name: "New", email: "old@acme.test", metadata: null });
    const error = await refusal(client.customers.update("nobody", { name: "X" }));
    expect([error.code, error.attempts]).toEqual(["NOT_FOUND", 1]);
  });

  it("given a subscription, then previewChange is exactly what changePlan invoices, and upcomingInvoice is the period close's invoice", async () => {
    await f.customerOn("c-preview", "credits");
    await client.usage.track({ customerId: "c-preview", feature: "images", value: 1, idempotencyKey: "p-1" });
    const upcoming = await client.subscriptions.upcomingInvoice("c-preview");
    expect(upcoming).toMatchObject({
      currency: "USD",
      total: "49.00",
      lines: [{ kind: "BASE_FEE", quantity: "1", amount: "49.00", periodStart: "2026-02-01T00:00:00.000Z" }],
    });
    const atEnd = await client.subscriptions.previewChange({
      customerId: "c-preview",
      planCode: "balance",
      timing: "PERIOD_END",
    });
    expect(atEnd.lines.map((l) => [l.kind, l.amount])).toEqual([["BASE_FEE", "100.00"]]);
    const preview = await client.subscriptions.previewChange({ customerId: "c-preview", planCode: "balance" });
    // 100.00 for balance less 49.00 x 20/30 (the grant left: 10 of 30 credits spent) for credits.
    expect([preview.lines.map((l) => `${l.kind} ${l.amount}`), preview.total]).toEqual([
      ["PRORATION -32.67", "BASE_FEE 100.00"],
      "67.33",
    ]);
    await client.subscriptions.changePlan({ customerId: "c-preview", planCode: "balance" });
    const [issued] = await client.invoices.list("c-preview");
    expect([issued!.lines.map((l) => `${l.kind} ${l.amount}`), issued!.total]).toEqual([
      ["PRORATION -32.67", "BASE_FEE 100.00"],
      "67.33",
    ]);
    expect(await client.subscriptions.upcomingInvoice("nobody-subscribed").catch((e) => e.code)).toBe("NOT_FOUND");
    await client.customers.create({ id: "c-unsubscribed" });
    expect(await client.subscriptions.upcomingInvoice("c-unsubscribed")).toBeNull();
  });

  it("creates a portal session: a /portal link whose fragment holds a portal token that reads the customer", async () => {
    await f.customerOn("c-portal", "credits");
    const session = await client.portal.createSession({
      customerId: "c-portal",
      returnUrl: "http://localhost:3000/account",
      ttlSeconds: 600,
    });
    expect(session.expiresAt).toBe("2026-01-01T00:10:00.000Z");
    const url = new URL(session.url);
    expect(url.pathname).toBe("/portal");
    const fragment = new URLSearchParams(url.hash.slice(1));
    expect(fragment.get("return")).toBe("http://localhost:3000/account");
    const customer = createBillingClient({ url: api.url, customerToken: fragment.get("token")! });
    expect((await customer.customers.get("c-portal"))?.wallet.credits).toBe("30");
    const error = await refusal(client.portal.createSession({ customerId: "c-portal", ttlSeconds: 7201 }));
    expect(error.code).toBe("BAD_USER_INPUT");
  });

  it("grants credits once per key (a generated key too), with an expiry; refuses a plan without credits", async () => {
    await f.customerOn("c-grant", "credits");
    const granted = await client.credits.grant({
      customerId: "c-grant",
      credits: "15",
      reason: "support case 12",
      expiresAt: new Date("2026-03-01T00:00:00Z"),
      idempotencyKey: "grant-1",
    });
    expect([granted.credits, granted.grantedCredits, granted.planCredits]).toEqual(["45", "15", "30"]);
    const again = await client.credits.grant({
      customerId: "c-grant",
      credits: "15",
      reason: "support case 12",
      expiresAt: "2026-03-01T00:00:00Z",
      idempotencyKey: "grant-1",
    });
    expect(again.credits).toBe("45");
    expect((await client.credits.grant({ customerId: "c-grant", credits: 5, reason: "promo" })).grantedCredits).toBe(
      "20",
    );
    await f.customerOn("c-grant-metered", "metered");
    sent.length = 0;
    const error = await refusal(client.credits.grant({ customerId: "c-grant-metered", credits: "1", reason: "x" }));
    expect([error.code, sent]).toEqual(["BAD_USER_INPUT", ["GrantCredits"]]);
  });

  it("adjusts usage once per key, never below zero", async () => {
    await f.customerOn("c-adjust", "metered");
    await client.usage.track({ customerId: "c-adjust", feature: "api_calls", value: 12, idempotencyKey: "a-1" });
    const adjusted = await client.usage.adjust({
      customerId: "c-adjust",
      feature: "api_calls",
      delta: "-5",
      reason: "duplicate events",
      idempotencyKey: "adj-1",
    });
    expect(adjusted).toEqual({
      feature: { code: "api_calls", name: "api_calls", unit: null },
      used: "7",
      included: "10",
      overage: "0",
      cost: "0.00",
      credits: null,
    });
    const replay = await client.usage.adjust({
      customerId: "c-adjust",
      feature: "api_calls",
      delta: "-5",
      reason: "duplicate events",
      idempotencyKey: "adj-1",
    });
    expect(replay.used).toBe("7");
    const error = await refusal(
      client.usage.adjust({ customerId: "c-adjust", feature: "api_calls", delta: -8, reason: "too much" }),
    );
    expect([error.code, error.attempts]).toEqual(["BAD_USER_INPUT", 1]);
  });
});

describe("plans", () => {
  it("lists the plans with their features", async () => {
    const plans = await client.plans.list();
    expect(plans.map((p) => p.code).sort()).toEqual(["balance", "credits", "metered"]);
    expect(plans.find((p) => p.code === "credits")).toMatchObject({
      model: "CREDITS",
      includedCredits: "30",
      features: [{ feature: { code: "images" }, creditsPerUnit: "10" }],
    });
  });
});

describe("reports", () => {
  it("given AI calls counted by the rollups, when the AI cost report is asked by customer, then the customer's row is exact", async () => {
    await api.ok(`mutation { upsertAiModel(id: "lab/report-model", inputPrice: "2", outputPrice: "10") { id } }`);
    await f.customerOn("c-report", "balance");
    for (const [key, inputTokens, outputTokens] of [
      ["r-1", 5000, 100],
      ["r-2", 500, 1000],
    ] as const)
      await client.usage.track({
        customerId: "c-report",
        feature: "chat",
        model: "lab/report-model",
        inputTokens,
        outputTokens,
        idempotencyKey: key,
      });
    const poller = rollupPoller(api.deps.db);
    try {
      expect(await poller.drain()).toBeGreaterThanOrEqual(2);
    } finally {
      poller.stop();
    }
    const day = (await api.ok("{ now }")).now.slice(0, 10);
    const from = new Date(`${day}T00:00:00Z`);
    const report = await client.reports.aiCosts({
      from,
      to: new Date(from.getTime() + 86_400_000),
      groupBy: "CUSTOMER",
    });
    expect(report.groupBy).toBe("CUSTOMER");
    // 5,500 input tokens at 2 and 1,100 output at 10 per million = 0.022; billed with a 40% margin.
    expect(report.rows.find((r) => r.key === "c-report")).toEqual({
      key: "c-report",
      calls: "2",
      inputTokens: "5500",
      outputTokens: "1100",
      cacheReadTokens: "0",
      cacheWriteTokens: "0",
      providerCost: "0.022",
      billed: "0.0308",
      margin: "0.0088",
    });
    // A page at a time (first / after): every row once, in key order, the whole range's total on each page.
    const paged: typeof report.rows = [];
    let after: string | undefined;
    for (;;) {
      const page = await client.reports.aiCosts({
        from,
        to: new Date(from.getTime() + 86_400_000),
        groupBy: "CUSTOMER",
        first: 1,
        ...(after ? { after } : {}),
      });
      expect(page.rows).toHaveLength(1);
      expect(page.total).toEqual(report.total);
      paged.push(...page.rows);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor!;
    }
    expect(paged).toEqual([...report.rows].sort((a, b) => (a.key < b.key ? -1 : 1)));
  });
});

describe("a customer token: the read-only client", () => {
  let browser: ReadOnlyBillingClient;
  beforeAll(async () => {
    await f.customerOn("c-web", "credits");
    const { token, expiresAt } = await client.customerTokens.create({ customerId: "c-web", ttlSeconds: 600 });
    expect(expiresAt).toBe("2026-01-01T00:10:00.000Z");
    browser = createBillingClient({ url: api.url, customerToken: () => token });
  });

  it("reads its own customer, checks its entitlements and lists plans, asking for no merchant field", async () => {
    const me = await browser.customers.get("c-web");
    expect(me?.wallet.credits).toBe("30");
    // email and metadata are FORBIDDEN to a token: the token's query does not ask for them.
    expect(Object.keys(me!).sort()).toEqual([
      "accountCredit",
      "entitlements",
      "id",
      "name",
      "subscription",
      "usage",
      "wallet",
    ]);
    expect((await browser.usage.check({ customerId: "c-web", feature: "images" })).allowed).toBe(true);
    const plans = await browser.plans.list();
    expect(plans.length).toBe(3);
    // Nor a plan feature's marginBps; the API-key client still gets it.
    expect(plans.flatMap((p) => p.features).some((feature) => "marginBps" in feature)).toBe(false);
    const chat = (await client.plans.list()).find((p) => p.code === "balance")!.features[1]!;
    expect([chat.feature.code, chat.marginBps]).toEqual(["chat", 4000]);
    expect(await browser.invoices.list("c-web")).toHaveLength(1);
  });

  it("has no write methods, in its type and at run time", () => {
    // @ts-expect-error: a customer token cannot track usage
    expect(browser.usage.track).toBeUndefined();
    // @ts-expect-error: nor create customers, buy, top up, mint tokens or open portal sessions
    expect([browser.credits, browser.balance, browser.customerTokens, browser.portal]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    // @ts-expect-error: nor change its subscription (it may preview a change and read the upcoming invoice)
    expect([browser.subscriptions.subscribe, browser.subscriptions.changePlan]).toEqual([undefined, undefined]);
    // @ts-expect-error: nor update a customer
    expect(browser.customers.update).toBeUndefined();
  });

  it("is refused other customers with FORBIDDEN", async () => {
    const error = await refusal(browser.usage.check({ customerId: "c-credits", feature: "images" }));
    expect(error.code).toBe("FORBIDDEN");
  });
});

describe("credentials", () => {
  it("given a wrong key, then UNAUTHENTICATED with HTTP 401 and a request id, not retried", async () => {
    sent.length = 0;
    const wrong = createBillingClient({ url: api.url, apiKey: "nope", fetch: countingFetch });
    const error = await refusal(wrong.plans.list());
    expect([error.code, error.status, error.attempts, sent]).toEqual(["UNAUTHENTICATED", 401, 1, ["Plans"]]);
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("given neither key nor token, then creating the client throws", () => {
    expect(() => createBillingClient({ url: api.url } as never)).toThrow(/apiKey/);
  });
});
