/**
 * The customer portal's API over HTTP: a session link with a short-lived portal token in its
 * fragment, what that token may and may not do, and purchases a customer asks for, which grant
 * their credits or funds only when their invoice is paid (never when it is voided), once per key.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { realClock } from "../../core/clock";
import { createPortalSession } from "../../core/portal/session";
import { deriveSigningSecret } from "../../core/auth/customer-tokens";
import { createBillingYoga } from "../../schema/yoga";
import { expectError, type Fixtures } from "../support/fixtures";
import { TEST_KEY, type TestApi } from "../support/server";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

// The clock starts at 2026-01-01T00:00:00Z.
beforeAll(async () => {
  ({ api, f } = await scenario({
    features: { images: "METERED", api_calls: "METERED" },
    plans: {
      creator: {
        model: "CREDITS",
        basePrice: "49",
        includedCredits: "1000",
        features: [{ feature: "images", creditsPerUnit: "10" }],
      },
      usage: { model: "BALANCE", basePrice: "100", features: [{ feature: "api_calls", unitPrice: "0.01" }] },
      other: {
        model: "CREDITS",
        basePrice: "9",
        includedCredits: "10",
        features: [{ feature: "images", creditsPerUnit: "1" }],
      },
    },
    packs: { p500: { credits: "500", price: "20" }, p100: { credits: "100", price: "5" } },
    customers: { alice: "creator", bob: "usage", carol: "creator", dave: null },
  }));
});
afterAll(() => api?.close());

const INVOICE = "id number status total grantedOnPayment lines { kind description amount }";
const session = async (customerId: string, extra: Record<string, unknown> = {}) =>
  (
    await api.ok(
      `mutation($c: ID!, $r: String, $t: Int) { createPortalSession(customerId: $c, returnUrl: $r, ttlSeconds: $t) { url expiresAt } }`,
      { c: customerId, ...extra },
    )
  ).createPortalSession as { url: string; expiresAt: string };
const tokenOf = (url: string) => new URLSearchParams(new URL(url).hash.slice(1)).get("token")!;
const portalToken = async (customerId: string) => tokenOf((await session(customerId)).url);
const as = (token: string, query: string, variables?: Record<string, unknown>) =>
  api.gql(query, variables, { key: token });
const REQUEST_PACK = `mutation($c: ID!, $p: ID!, $k: ID!) { requestCreditPackPurchase(customerId: $c, packCode: $p, idempotencyKey: $k) { ${INVOICE} } }`;
const REQUEST_TOP_UP = `mutation($c: ID!, $a: Money!, $k: ID!) { requestTopUp(customerId: $c, amount: $a, idempotencyKey: $k) { ${INVOICE} } }`;
const PAY = `mutation($i: ID!) { markInvoicePaid(id: $i) { number status } }`;
const VOID = `mutation($i: ID!) { voidInvoice(id: $i) { number status reversal { kind } } }`;
const requestPack = (c: string, p: string, k: string, key?: string) =>
  api.gql(REQUEST_PACK, { c, p, k }, key ? { key } : {});
const published = (type: string) => api.deps.publisher.published.filter((e) => e.type === type);

describe("createPortalSession", () => {
  it("links to /portal on the API's origin with a 30-minute portal token and the return link in the fragment", async () => {
    const s = await session("alice", { r: "http://localhost:3000/account?tab=billing" });
    const url = new URL(s.url);
    expect(url.origin + url.pathname).toBe(new URL("/portal", api.url).href);
    expect(url.search).toBe("");
    const fragment = new URLSearchParams(url.hash.slice(1));
    expect([...fragment.keys()]).toEqual(["token", "return"]);
    expect(fragment.get("return")).toBe("http://localhost:3000/account?tab=billing");
    expect(s.expiresAt).toBe("2026-01-01T00:30:00.000Z");
    const me = await as(fragment.get("token")!, `{ portalSession { customerId expiresAt testMode } }`);
    expect(me.data).toEqual({
      portalSession: { customerId: "alice", expiresAt: "2026-01-01T00:30:00.000Z", testMode: true },
    });
  });

  it("lives ttlSeconds, at most 2 hours; an unknown customer is NOT_FOUND", async () => {
    expect((await session("alice", { t: 7200 })).expiresAt).toBe("2026-01-01T02:00:00.000Z");
    const tooLong = await api.gql(`mutation { createPortalSession(customerId: "alice", ttlSeconds: 7201) { url } }`);
    expectError(tooLong, "BAD_USER_INPUT");
    expect(tooLong.errors![0]!.message).toBe("ttlSeconds must be at most 7200 seconds (2 hours)");
    expectError(await api.gql(`mutation { createPortalSession(customerId: "nobody") { url } }`), "NOT_FOUND");
  });

  it("refuses a return link that is not an absolute https URL (plain http to localhost only in test mode)", async () => {
    const problems: Record<string, string> = {
      "/account": "returnUrl must be an absolute URL such as https://app.example.com/account",
      "http://app.example.com/account":
        "returnUrl must use https (plain http only to localhost, 127.0.0.1 or [::1] in test mode)",
      "javascript:alert(1)": "returnUrl must use https (plain http only to localhost, 127.0.0.1 or [::1] in test mode)",
      "https://user:pw@app.example.com/": "returnUrl must not carry a user name or password",
    };
    for (const [returnUrl, message] of Object.entries(problems)) {
      const refused = await api.gql(
        `mutation($r: String) { createPortalSession(customerId: "alice", returnUrl: $r) { url } }`,
        {
          r: returnUrl,
        },
      );
      expectError(refused, "BAD_USER_INPUT");
      expect(refused.errors![0]!.message).toBe(message);
    }
    const keys = { secret: deriveSigningSecret(TEST_KEY), issuer: api.deps.db.table };
    const production = { ...api.deps, clock: realClock };
    await expect(
      createPortalSession(production, keys, "https://billing.example.com/portal", {
        customerId: "alice",
        returnUrl: "http://localhost:3000/",
      }),
    ).rejects.toThrow("returnUrl must use https");
    const live = await createPortalSession(production, keys, "https://billing.example.com/portal", {
      customerId: "alice",
      returnUrl: "https://app.example.com/account",
    });
    expect(live.url).toMatch(
      /^https:\/\/billing\.example\.com\/portal#token=[\w-]+\.[\w-]+\.[\w-]+&return=https%3A%2F%2Fapp\.example\.com%2Faccount$/,
    );
  });

  it("expires on the test clock after its TTL, and revoking the customer's tokens ends it at once", async () => {
    const token = tokenOf((await session("carol", { t: 60 })).url);
    expect((await as(token, `{ customer(id: "carol") { id } }`)).data).toEqual({ customer: { id: "carol" } });
    const other = await portalToken("carol");
    await api.ok(`mutation { advanceClock(to: "2026-01-01T00:01:00Z") }`);
    const expired = await as(token, `{ customer(id: "carol") { id } }`);
    expect(expired.status).toBe(401);
    expectError(expired, "UNAUTHENTICATED");
    expect((await as(other, `{ portalSession { customerId } }`)).data).toEqual({
      portalSession: { customerId: "carol" },
    });
    await api.ok(`mutation { revokeCustomerTokens(customerId: "carol") }`);
    expect((await as(other, `{ portalSession { customerId } }`)).status).toBe(401);
  });
});

describe("what a portal token may do", () => {
  it("reads its customer; another customer's id answers exactly as a customer that does not exist", async () => {
    const token = await portalToken("alice");
    const own = await as(token, `{ customer(id: "alice") { id wallet { credits } subscription { plan { code } } } }`);
    expect(own.data).toEqual({
      customer: { id: "alice", wallet: { credits: "1000" }, subscription: { plan: { code: "creator" } } },
    });
    for (const query of [
      `{ customer(id: "$") { id } }`,
      `mutation { requestCreditPackPurchase(customerId: "$", packCode: "p500", idempotencyKey: "k") { id } }`,
      `mutation { requestTopUp(customerId: "$", amount: "10", idempotencyKey: "k") { id } }`,
      `mutation { cancelSubscription(customerId: "$") { status } }`,
    ]) {
      const other = await as(token, query.replace("$", "carol"));
      const missing = await as(token, query.replace("$", "no-such-customer"));
      expect(other).toEqual(missing);
      expectError(other, "FORBIDDEN");
    }
    const invoice = (await requestPack("carol", "p100", "carol-invoice")).data.requestCreditPackPurchase;
    const othersInvoice = await as(token, PAY, { i: invoice.id });
    const missingInvoice = await as(token, PAY, { i: "INV-999999" });
    expect(JSON.stringify(othersInvoice).replaceAll(invoice.id, "INV-999999")).toBe(JSON.stringify(missingInvoice));
    expectError(othersInvoice, "NOT_FOUND");
  });

  it("cannot do what only the operator does; a plain customer token stays read-only", async () => {
    const token = await portalToken("alice");
    for (const query of [
      `mutation { purchaseCreditPack(customerId: "alice", packCode: "p500", idempotencyKey: "x") { credits } }`,
      `mutation { topUpBalance(customerId: "alice", amount: "10", idempotencyKey: "x") { balance } }`,
      `mutation { createPortalSession(customerId: "alice") { url } }`,
      `mutation { createCustomerToken(customerId: "alice") { token } }`,
      `mutation { cancelSubscription(customerId: "alice", timing: IMMEDIATE) { status } }`,
      `mutation { voidInvoice(id: "INV-000001") { status } }`,
      `mutation { advanceClock(to: "2026-01-02T00:00:00Z") }`,
    ])
      expectError(await as(token, query), "FORBIDDEN");
    const moved = await as(
      token,
      `mutation { changePlan(customerId: "alice", planCode: "other", timing: PERIOD_END) { status } }`,
    );
    expectError(moved, "FORBIDDEN");
    // Its own base-fee invoice is not a portal purchase: paying it stays the payment integration's job.
    const baseFee = (await f.invoices("alice")).at(-1).number;
    expectError(await as(token, PAY, { i: baseFee }), "FORBIDDEN");

    const plain = (await api.ok(`mutation { createCustomerToken(customerId: "alice") { token } }`)).createCustomerToken
      .token;
    expectError(await requestPack("alice", "p500", "plain-1", plain), "FORBIDDEN");
    expectError(await as(plain, `mutation { cancelSubscription(customerId: "alice") { status } }`), "FORBIDDEN");
    expectError(await as(plain, `{ portalSession { customerId } }`), "FORBIDDEN");
  });

  it("cancels at period end and undoes it (keeping the current plan at PERIOD_END)", async () => {
    const token = await portalToken("alice");
    const cancel = await as(token, `mutation { cancelSubscription(customerId: "alice") { status cancelAtPeriodEnd } }`);
    expect(cancel.data).toEqual({ cancelSubscription: { status: "ACTIVE", cancelAtPeriodEnd: true } });
    const undo = await as(
      token,
      `mutation { changePlan(customerId: "alice", planCode: "creator", timing: PERIOD_END) { status cancelAtPeriodEnd plan { code } } }`,
    );
    expect(undo.data).toEqual({
      changePlan: { status: "ACTIVE", cancelAtPeriodEnd: false, plan: { code: "creator" } },
    });
  });
});

describe("changing plan in the portal: within the customer's plan group only", () => {
  // One group of CREDITS plans ranked 1..3 (one of them BALANCE), and a CREDITS plan of another group.
  beforeAll(async () => {
    const credits = (includedCredits: string) => ({
      model: "CREDITS" as const,
      includedCredits,
      features: [{ feature: "images", creditsPerUnit: "10" }],
    });
    await f.plan({ code: "g-basic", basePrice: "10", group: "studio", rank: 1, ...credits("100") });
    await f.plan({ code: "g-plus", basePrice: "40", group: "studio", rank: 2, ...credits("500") });
    await f.plan({ code: "g-max", basePrice: "90", group: "studio", rank: 3, ...credits("2000") });
    await f.plan({
      code: "g-balance",
      model: "BALANCE",
      basePrice: "60",
      group: "studio",
      rank: 4,
      features: [{ feature: "api_calls", unitPrice: "0.01" }],
    });
    await f.plan({ code: "elsewhere", basePrice: "20", group: "agency", rank: 5, ...credits("300") });
    await f.customerOn("greta", "g-plus");
    await f.customerOn("hugo", "creator");
  });
  const CHANGE = `mutation($c: ID!, $p: ID!, $t: ChangeTiming) { changePlan(customerId: $c, planCode: $p, timing: $t) { status plan { code } scheduledPlan { code } } }`;
  const PREVIEW = `query($c: ID!, $p: ID!, $t: ChangeTiming) { previewPlanChange(customerId: $c, planCode: $p, timing: $t) { total lines { kind quantity amount } } }`;

  it("refuses another group, another model, an ungrouped plan and the wrong timing with FORBIDDEN, changing nothing", async () => {
    const token = await portalToken("greta");
    const refusals: [string, string][] = [
      ["elsewhere", "PERIOD_END"],
      ["elsewhere", "IMMEDIATE"],
      ["g-balance", "IMMEDIATE"],
      ["creator", "PERIOD_END"],
      ["g-max", "PERIOD_END"],
      ["g-basic", "IMMEDIATE"],
      ["g-plus", "IMMEDIATE"],
    ];
    for (const [p, t] of refusals) {
      const answer = await as(token, CHANGE, { c: "greta", p, t });
      expectError(answer, "FORBIDDEN");
      expect(answer.data).toBeNull();
    }
    const moved = await as(token, CHANGE, { c: "greta", p: "elsewhere", t: "PERIOD_END" });
    expect(moved.errors![0]!.message).toBe(
      `plan "elsewhere" is not in the customer's plan group; only the operator may move a customer there`,
    );
    expect((await as(token, CHANGE, { c: "greta", p: "g-balance", t: "PERIOD_END" })).errors![0]!.message).toBe(
      `plan "g-balance" has another consumption model (BALANCE); only the operator may change it`,
    );
    expect((await as(token, CHANGE, { c: "greta", p: "g-max", t: "PERIOD_END" })).errors![0]!.message).toBe(
      `plan "g-max" is an upgrade: in the portal it starts now (timing IMMEDIATE)`,
    );
    // A customer on a plan without a group can only keep it.
    expectError(await as(await portalToken("hugo"), CHANGE, { c: "hugo", p: "other", t: "PERIOD_END" }), "FORBIDDEN");
    // Another customer's id stays refused, whatever the plan.
    expectError(await as(token, CHANGE, { c: "hugo", p: "g-basic", t: "PERIOD_END" }), "FORBIDDEN");
    const greta = await api.ok(
      `{ customer(id: "greta") { subscription { plan { code } scheduledPlan { code } } invoices { number } } }`,
    );
    expect(greta.customer.subscription).toEqual({ plan: { code: "g-plus" }, scheduledPlan: null });
    expect(greta.customer.invoices).toHaveLength(1);
    // The operator is not bound by groups.
    expect((await api.ok(CHANGE, { c: "hugo", p: "elsewhere", t: "PERIOD_END" })).changePlan.scheduledPlan).toEqual({
      code: "elsewhere",
    });
    await api.ok(CHANGE, { c: "hugo", p: "creator", t: "PERIOD_END" });
  });

  it("downgrades at the period end and upgrades now, invoicing exactly the previewed lines", async () => {
    const token = await portalToken("greta");
    const down = await as(token, CHANGE, { c: "greta", p: "g-basic", t: "PERIOD_END" });
    expect(down.data).toEqual({
      changePlan: { status: "ACTIVE", plan: { code: "g-plus" }, scheduledPlan: { code: "g-basic" } },
    });
    const preview = (await as(token, PREVIEW, { c: "greta", p: "g-max", t: "IMMEDIATE" })).data.previewPlanChange;
    const up = await as(token, CHANGE, { c: "greta", p: "g-max", t: "IMMEDIATE" });
    expect(up.data).toEqual({ changePlan: { status: "ACTIVE", plan: { code: "g-max" }, scheduledPlan: null } });
    const issued = (await f.invoices("greta"))[0];
    const lines = issued.lines.map(({ kind, quantity, amount }: Record<string, string>) => ({
      kind,
      quantity,
      amount,
    }));
    expect({ total: issued.total, lines }).toEqual(preview);
    expect(preview.lines.map((l: { kind: string }) => l.kind)).toEqual(["PRORATION", "BASE_FEE"]);
  });
});

describe("requestCreditPackPurchase", () => {
  it("issues an OPEN invoice and grants nothing; paid (in test mode, from the portal), the 500 credits arrive once", async () => {
    await f.customerOn("erin", "creator");
    const token = await portalToken("erin");
    const before = await f.wallet("erin");
    const asked = await as(token, REQUEST_PACK, { c: "erin", p: "p500", k: "buy-1" });
    const invoice = asked.data.requestCreditPackPurchase;
    expect(invoice).toMatchObject({
      status: "OPEN",
      total: "20.00",
      grantedOnPayment: true,
      lines: [{ kind: "CREDIT_PACK", description: "p500 (500 credits)", amount: "20.00" }],
    });
    expect(await f.wallet("erin")).toEqual(before);
    expect(published("credits.purchased").filter((e) => e.detail.customerId === "erin")).toEqual([]);

    // The same key again (a retry): the same invoice, nothing more.
    expect(
      (await as(token, REQUEST_PACK, { c: "erin", p: "p500", k: "buy-1" })).data.requestCreditPackPurchase,
    ).toEqual(invoice);
    expectError(await as(token, REQUEST_PACK, { c: "erin", p: "p100", k: "buy-1" }), "IDEMPOTENCY_KEY_REUSED");

    expect((await as(token, PAY, { i: invoice.id })).data).toEqual({
      markInvoicePaid: { number: invoice.number, status: "PAID" },
    });
    expect(await f.wallet("erin")).toMatchObject({ credits: "1500", planCredits: "1000", purchasedCredits: "500" });
    expect((await as(token, PAY, { i: invoice.id })).data.markInvoicePaid.status).toBe("PAID");
    expect(await f.wallet("erin")).toMatchObject({ credits: "1500", purchasedCredits: "500" });
    const events = published("credits.purchased").filter((e) => e.detail.invoiceId === invoice.id);
    expect(events.map((e) => e.detail)).toEqual([
      {
        customerId: "erin",
        packCode: "p500",
        credits: "500",
        price: "20.00",
        currency: "USD",
        invoiceId: invoice.id,
        idempotencyKey: "buy-1",
      },
    ]);
    expect(
      published("invoice.paid").filter((e) => (e.detail.invoice as { id: string }).id === invoice.id),
    ).toHaveLength(1);
    // Paid: it cannot be voided.
    expectError(await api.gql(VOID, { i: invoice.id }), "BAD_USER_INPUT");
  });

  it("a double click (five identical requests at once) issues one invoice", async () => {
    await f.customerOn("frank", "creator");
    const token = await portalToken("frank");
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => as(token, REQUEST_PACK, { c: "frank", p: "p500", k: "click-1" })),
    );
    const ids = answers.map((a) => a.data?.requestCreditPackPurchase.id);
    expect(new Set(ids).size).toBe(1);
    expect((await f.invoices("frank")).map((i: { lines: { kind: string }[] }) => i.lines[0]!.kind)).toEqual([
      "CREDIT_PACK",
      "BASE_FEE",
    ]);
  });

  it("voided, it grants nothing and takes nothing back; it cannot be paid afterwards", async () => {
    await f.customerOn("gina", "creator");
    await f.track({ customerId: "gina", feature: "images", value: "30", idempotencyKey: "g-1" });
    const invoice = (await requestPack("gina", "p500", "buy-1")).data.requestCreditPackPurchase;
    expect((await api.gql(VOID, { i: invoice.id })).data).toEqual({
      voidInvoice: { number: invoice.number, status: "VOID", reversal: null },
    });
    expect(await f.wallet("gina")).toMatchObject({ credits: "700", planCredits: "700", purchasedCredits: "0" });
    expectError(await api.gql(PAY, { i: invoice.id }), "BAD_USER_INPUT");
    expect(await f.wallet("gina")).toMatchObject({ credits: "700", purchasedCredits: "0" });
  });

  it("paying and voiding at once: exactly one happens, and the wallet agrees with it", async () => {
    await f.customerOn("hank", "creator");
    for (let round = 0; round < 6; round++) {
      const invoice = (await requestPack("hank", "p100", `race-${round}`)).data.requestCreditPackPurchase;
      const [paid, voided] = await Promise.all([api.gql(PAY, { i: invoice.id }), api.gql(VOID, { i: invoice.id })]);
      const winners = [paid, voided].filter((r) => !r.errors);
      expect(winners).toHaveLength(1);
      const status = (await api.ok(`query($i: ID!) { invoice(id: $i) { status } }`, { i: invoice.id })).invoice.status;
      expect(status).toBe(paid.errors ? "VOID" : "PAID");
    }
    const paidCount = (await f.invoices("hank")).filter(
      (i: { status: string; lines: { kind: string }[] }) => i.lines[0]!.kind === "CREDIT_PACK" && i.status === "PAID",
    ).length;
    expect(await f.wallet("hank")).toMatchObject({ purchasedCredits: String(100 * paidCount) });
  });

  it("is refused, writing nothing, on a plan that cannot spend credits or without a subscription", async () => {
    expectError(await requestPack("bob", "p500", "b-1"), "BAD_USER_INPUT");
    expectError(await requestPack("dave", "p500", "d-1"), "NO_SUBSCRIPTION");
    expect(await f.invoices("dave")).toEqual([]);
  });
});

describe("requestTopUp", () => {
  it("between 5 and 10000 in whole cents; paid by the payment integration (ADMIN), the funds arrive", async () => {
    await f.customerOn("ivy", "usage");
    const token = await portalToken("ivy");
    for (const [amount, message] of [
      ["4.99", "amount must be at least 5 (in the customer's currency)"],
      ["10000.01", "amount must be at most 10000 (in the customer's currency)"],
      ["5.001", "amount must be at most 2 decimal places in USD"],
    ]) {
      const refused = await as(token, REQUEST_TOP_UP, { c: "ivy", a: amount, k: `bad-${amount}` });
      expectError(refused, "BAD_USER_INPUT");
      expect(refused.errors![0]!.message).toBe(message);
    }
    const invoice = (await as(token, REQUEST_TOP_UP, { c: "ivy", a: "25", k: "top-1" })).data.requestTopUp;
    expect(invoice).toMatchObject({ status: "OPEN", total: "25.00", lines: [{ kind: "TOP_UP", amount: "25.00" }] });
    expect(await f.wallet("ivy")).toMatchObject({ balance: "100.00", topUps: "0.00" });
    await api.ok(PAY, { i: invoice.id });
    expect(await f.wallet("ivy")).toMatchObject({ balance: "125.00", allowance: "100.00", topUps: "25.00" });
    const events = published("balance.topped_up").filter((e) => e.detail.invoiceId === invoice.id);
    expect(events.map((e) => e.detail)).toEqual([
      { customerId: "ivy", amount: "25.00", currency: "USD", invoiceId: invoice.id, idempotencyKey: "top-1" },
    ]);
  });

  it("an operator's topUpBalance and purchaseCreditPack still grant at once and answer the wallet", async () => {
    await f.customerOn("jack", "usage");
    const wallet = await api.ok(
      `mutation { topUpBalance(customerId: "jack", amount: "30", idempotencyKey: "t") { balance topUps } }`,
    );
    expect(wallet).toEqual({ topUpBalance: { balance: "130.00", topUps: "30.00" } });
    // A key used by an operator's purchase is not a replay of a request.
    expectError(await api.gql(REQUEST_TOP_UP, { c: "jack", a: "30", k: "t" }), "IDEMPOTENCY_KEY_REUSED");
  });
});

describe("in production", () => {
  it("a portal token cannot mark its purchase paid: that is the payment integration's job", async () => {
    const yoga = createBillingYoga({ deps: { ...api.deps, clock: realClock }, apiKey: TEST_KEY, auditLog: () => {} });
    const server = createServer(yoga);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
      const send = async (key: string, query: string, variables?: Record<string, unknown>) =>
        (await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
          body: JSON.stringify({ query, variables }),
        }).then((r) => r.json())) as any;
      const created = await send(
        TEST_KEY,
        `mutation { createPortalSession(customerId: "alice", returnUrl: "https://app.example.com/") { url } }`,
      );
      expect(created.data.createPortalSession.url).toMatch(new RegExp(`^${url.replace("/graphql", "/portal")}#token=`));
      const token = tokenOf(created.data.createPortalSession.url);
      expect((await send(token, `{ portalSession { testMode } }`)).data).toEqual({
        portalSession: { testMode: false },
      });
      const invoice = (await send(token, REQUEST_PACK, { c: "alice", p: "p100", k: "live-1" })).data
        .requestCreditPackPurchase;
      const refused = await send(token, PAY, { i: invoice.id });
      expect(refused.errors.map((e: any) => e.extensions.code)).toEqual(["FORBIDDEN"]);
      expect((await send(TEST_KEY, PAY, { i: invoice.id })).data.markInvoicePaid.status).toBe("PAID");
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
