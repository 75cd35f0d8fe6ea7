/**
 * The authorisation matrix, generated from the schema: every Query and Mutation field x every kind
 * of credential. The table below decides each field's expected outcome per credential; a field the
 * schema has and the table lacks (a new operation without a decided policy) fails the test, and so
 * does a field without `authScopes`.
 *
 * Credentials without a valid identity (none, malformed, revoked, expired) are refused at the edge
 * with HTTP 401 UNAUTHENTICATED for every field, so the table lists only the four that get through.
 * "ok" means the request passed authorisation: it may still answer a domain error (NOT_FOUND,
 * ALREADY_EXISTS, ...), which is not what this test is about. "null" means it answered null with no
 * error, exactly as for something that does not exist (how a token is told "not yours").
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../schema/index";
import type { TestApi } from "../support/server";
import { PLANS, scenario } from "../support/scenario";

const ok = "ok";
const F = "FORBIDDEN";
const NULL = "null";
type Outcome = typeof ok | typeof F | typeof NULL | "UNAUTHENTICATED";

/** INGEST key, ADMIN key, token of customer A (about A), token of A asking about customer B. */
type Row = [ingest: Outcome, admin: Outcome, tokenOfA: Outcome, tokenOfAForB: Outcome];

const TABLE: Record<string, Row> = {
  // Query                INGEST  ADMIN  token A  token A -> B
  features: [F, ok, F, F],
  plans: [F, ok, ok, ok],
  plan: [F, ok, ok, ok],
  creditPacks: [F, ok, ok, ok],
  customer: [F, ok, ok, F],
  entitlement: [ok, ok, ok, F],
  quote: [ok, ok, F, F],
  invoice: [F, ok, ok, NULL],
  aiModels: [F, ok, F, F],
  aiModel: [F, NULL, F, F],
  apiKeys: [F, ok, F, F],
  now: [F, ok, ok, ok],
  webhookEndpoints: [F, ok, F, F],
  webhookDeliveries: [F, ok, F, F],
  eventTypes: [F, ok, F, F],
  upcomingInvoice: [F, ok, ok, F],
  previewPlanChange: [F, ok, ok, F],
  customers: [F, ok, F, F],
  invoices: [F, ok, F, F],
  aiCostReport: [F, ok, F, F],
  coupons: [F, ok, F, F],
  addOns: [F, ok, F, F],
  // Mutation
  createFeature: [F, ok, F, F],
  createPlan: [F, ok, F, F],
  archivePlan: [F, ok, F, F],
  createCreditPack: [F, ok, F, F],
  createCustomer: [ok, ok, F, F],
  updateCustomer: [F, ok, F, F],
  deleteCustomer: [F, ok, F, F],
  subscribe: [F, ok, F, F],
  changePlan: [F, ok, F, F],
  cancelSubscription: [F, ok, F, F],
  migrateSubscribers: [F, ok, F, F],
  trackUsage: [ok, ok, F, F],
  trackUsageBatch: [ok, ok, F, F],
  reserveUsage: [ok, ok, F, F],
  settleReservation: [ok, ok, F, F],
  releaseReservation: [ok, ok, F, F],
  purchaseCreditPack: [F, ok, F, F],
  adjustUsage: [F, ok, F, F],
  grantCredits: [F, ok, F, F],
  setSeats: [F, ok, F, F],
  adjustQuota: [F, ok, F, F],
  topUpBalance: [F, ok, F, F],
  closeDuePeriods: [F, ok, F, F],
  advanceClock: [F, ok, F, F],
  markInvoicePaid: [F, ok, F, F],
  voidInvoice: [F, ok, F, F],
  createApiKey: [F, ok, F, F],
  revokeApiKey: [F, ok, F, F],
  createCustomerToken: [F, ok, F, F],
  revokeCustomerTokens: [F, ok, F, F],
  upsertAiModel: [F, ok, F, F],
  setAiModelAlias: [F, ok, F, F],
  createWebhookEndpoint: [F, ok, F, F],
  updateWebhookEndpoint: [F, ok, F, F],
  deleteWebhookEndpoint: [F, ok, F, F],
  rotateWebhookSecret: [F, ok, F, F],
  redeliverWebhook: [F, ok, F, F],
  createUsageAlert: [F, ok, F, F],
  archiveUsageAlert: [F, ok, F, F],
  deliverDueWebhooks: [F, ok, F, F],
  portalSession: [F, F, F, F],
  createPortalSession: [F, ok, F, F],
  requestCreditPackPurchase: [F, ok, F, F],
  requestTopUp: [F, ok, F, F],
  createCoupon: [F, ok, F, F],
  createAddOn: [F, ok, F, F],
  attachAddOn: [F, ok, F, F],
  detachAddOn: [F, ok, F, F],
  archiveCoupon: [F, ok, F, F],
  applyCoupon: [F, ok, F, F],
  removeCoupon: [F, ok, F, F],
  grantAccountCredit: [F, ok, F, F],
};

/**
 * A portal session's token (of customer A, about A / about B) answers as a customer token does
 * (the table's last two columns), except for the portal's own operations. changePlan passes
 * authorisation and is then FORBIDDEN by its rule (keeping the current plan, or a plan of its group), and
 * markInvoicePaid answers NOT_FOUND for an invoice that is not its customer's: both as here.
 */
const PORTAL: Record<string, [portalOfA: Outcome, portalOfAForB: Outcome]> = {
  portalSession: [ok, ok],
  requestCreditPackPurchase: [ok, F],
  requestTopUp: [ok, F],
  cancelSubscription: [ok, F],
  markInvoicePaid: [ok, ok],
};

/** One request per field; `$c` is the customer asked about, `$i` that customer's invoice, `$n` a unique suffix. */
const REQUESTS: Record<string, string> = {
  features: `{ features { code } }`,
  plans: `{ plans { code } }`,
  plan: `{ plan(code: "metered") { code } }`,
  creditPacks: `{ creditPacks { code } }`,
  customer: `query($c: ID!) { customer(id: $c) { id name wallet { balance credits } usage { used } entitlements { allowed } events { edges { cursor } } invoices { id total } subscription { status plan { code } } } }`,
  entitlement: `query($c: ID!) { entitlement(customerId: $c, feature: "api_calls") { allowed } }`,
  quote: `query($c: ID!) { quote(input: { customerId: $c, feature: "api_calls", idempotencyKey: "q" }) { cost } }`,
  invoice: `query($i: ID!) { invoice(id: $i) { id customerId total } }`,
  upcomingInvoice: `query($c: ID!) { upcomingInvoice(customerId: $c) { total } }`,
  previewPlanChange: `query($c: ID!) { previewPlanChange(customerId: $c, planCode: "no-such-plan") { total } }`,
  aiModels: `{ aiModels(provider: "none") { id } }`,
  aiModel: `{ aiModel(id: "none/none") { id } }`,
  apiKeys: `{ apiKeys { id prefix } }`,
  now: `{ now }`,
  createFeature: `mutation($n: ID!) { createFeature(input: { code: $n, name: "F", kind: BOOLEAN }) { code } }`,
  createPlan: `mutation($n: ID!) { createPlan(input: { code: $n, name: "P", model: METERED, basePrice: "1", interval: MONTH, features: [] }) { code } }`,
  archivePlan: `mutation { archivePlan(code: "no-such-plan") { code } }`,
  createCreditPack: `mutation($n: ID!) { createCreditPack(input: { code: $n, name: "Pack", credits: "10", price: "1" }) { code } }`,
  createCustomer: `mutation($n: ID!) { createCustomer(input: { id: $n }) { id } }`,
  subscribe: `mutation($c: ID!) { subscribe(customerId: $c, planCode: "metered") { status } }`,
  migrateSubscribers: `mutation { migrateSubscribers(fromPlan: "no-such-plan", toPlan: "metered") }`,
  updateCustomer: `mutation($c: ID!) { updateCustomer(id: $c, input: {}) { id } }`,
  deleteCustomer: `mutation { deleteCustomer(id: "no-such-customer") { id } }`,
  changePlan: `mutation($c: ID!) { changePlan(customerId: $c, planCode: "no-such-plan") { status } }`,
  cancelSubscription: `mutation($c: ID!) { cancelSubscription(customerId: $c, timing: PERIOD_END) { status } }`,
  trackUsage: `mutation($c: ID!, $n: ID!) { trackUsage(input: { customerId: $c, feature: "api_calls", idempotencyKey: $n }) { replayed } }`,
  trackUsageBatch: `mutation($c: ID!, $n: ID!) { trackUsageBatch(inputs: [{ customerId: $c, feature: "api_calls", idempotencyKey: $n }]) { ok } }`,
  reserveUsage: `mutation($c: ID!, $n: ID!) { reserveUsage(input: { customerId: $c, feature: "api_calls", idempotencyKey: $n }) { id } }`,
  settleReservation: `mutation { settleReservation(id: "rsv_none", input: { value: "1" }) { capped } }`,
  releaseReservation: `mutation { releaseReservation(id: "rsv_none") { status } }`,
  purchaseCreditPack: `mutation($c: ID!, $n: ID!) { purchaseCreditPack(customerId: $c, packCode: "no-such-pack", idempotencyKey: $n) { credits } }`,
  adjustUsage: `mutation($c: ID!, $n: ID!) { adjustUsage(customerId: $c, feature: "api_calls", delta: "1", reason: "matrix", idempotencyKey: $n) { used } }`,
  grantCredits: `mutation($c: ID!, $n: ID!) { grantCredits(customerId: $c, credits: "1", reason: "matrix", idempotencyKey: $n) { credits } }`,
  setSeats: `mutation($c: ID!, $n: ID!) { setSeats(customerId: $c, feature: "api_calls", count: "1", idempotencyKey: $n) { used } }`,
  adjustQuota: `mutation($c: ID!, $n: ID!) { adjustQuota(customerId: $c, feature: "api_calls", delta: "1", idempotencyKey: $n) { used } }`,
  topUpBalance: `mutation($c: ID!, $n: ID!) { topUpBalance(customerId: $c, amount: "1", idempotencyKey: $n) { balance } }`,
  closeDuePeriods: `mutation { closeDuePeriods }`,
  advanceClock: `mutation { advanceClock(to: "2026-01-01T00:10:00Z") }`,
  markInvoicePaid: `mutation { markInvoicePaid(id: "INV-999999") { id } }`,
  voidInvoice: `mutation { voidInvoice(id: "INV-999999") { id } }`,
  createApiKey: `mutation { createApiKey(name: "matrix", scope: INGEST) { key { id } } }`,
  revokeApiKey: `mutation { revokeApiKey(id: "key_none") { id } }`,
  createCustomerToken: `mutation($c: ID!) { createCustomerToken(customerId: $c) { expiresAt } }`,
  // Another customer's, so that the tokens of cust-a the other fields use stay valid.
  revokeCustomerTokens: `mutation { revokeCustomerTokens(customerId: "cust-c") }`,
  upsertAiModel: `mutation { upsertAiModel(id: "matrix/model", inputPrice: "1", outputPrice: "2") { id } }`,
  setAiModelAlias: `mutation { setAiModelAlias(alias: "matrix-alias", modelId: "none/none") { id } }`,
  webhookEndpoints: `{ webhookEndpoints { id url } }`,
  webhookDeliveries: `{ webhookDeliveries(endpointId: "we_none") { edges { cursor } } }`,
  eventTypes: `{ eventTypes }`,
  customers: `{ customers(first: 5) { edges { cursor } } }`,
  invoices: `{ invoices(first: 5) { edges { cursor } } }`,
  aiCostReport: `{ aiCostReport(from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z") { total { calls } } }`,
  createWebhookEndpoint: `mutation { createWebhookEndpoint(url: "https://hooks.example.com/matrix", events: ["*"]) { endpoint { id } } }`,
  updateWebhookEndpoint: `mutation { updateWebhookEndpoint(id: "we_none", enabled: true) { id } }`,
  deleteWebhookEndpoint: `mutation { deleteWebhookEndpoint(id: "we_none") { id } }`,
  rotateWebhookSecret: `mutation { rotateWebhookSecret(id: "we_none") { secret } }`,
  redeliverWebhook: `mutation { redeliverWebhook(deliveryId: "wd_none") { id } }`,
  deliverDueWebhooks: `mutation { deliverDueWebhooks }`,
  portalSession: `{ portalSession { customerId } }`,
  createPortalSession: `mutation($c: ID!) { createPortalSession(customerId: $c) { expiresAt } }`,
  requestCreditPackPurchase: `mutation($c: ID!, $n: ID!) { requestCreditPackPurchase(customerId: $c, packCode: "no-such-pack", idempotencyKey: $n) { id } }`,
  requestTopUp: `mutation($c: ID!, $n: ID!) { requestTopUp(customerId: $c, amount: "1", idempotencyKey: $n) { id } }`,
  createUsageAlert: `mutation($c: ID!) { createUsageAlert(input: { customerId: $c, metric: SPEND, threshold: "1" }) { id } }`,
  archiveUsageAlert: `mutation { archiveUsageAlert(id: "ua_none") { id } }`,
  coupons: `{ coupons { code } }`,
  createCoupon: `mutation($n: ID!) { createCoupon(input: { code: $n, name: "C", percentOffBps: 100, duration: ONCE }) { code } }`,
  archiveCoupon: `mutation { archiveCoupon(code: "no-such-coupon") { code } }`,
  addOns: `{ addOns { code } }`,
  createAddOn: `mutation($n: ID!) { createAddOn(input: { code: $n, name: "A", feature: "api_calls", price: "1", grants: "1" }) { code } }`,
  attachAddOn: `mutation($c: ID!, $n: ID!) { attachAddOn(customerId: $c, addOnCode: "no-such-add-on", idempotencyKey: $n) { status } }`,
  detachAddOn: `mutation($c: ID!) { detachAddOn(customerId: $c, addOnCode: "no-such-add-on") { status } }`,
  applyCoupon: `mutation($c: ID!) { applyCoupon(customerId: $c, couponCode: "no-such-coupon") { status } }`,
  removeCoupon: `mutation($c: ID!) { removeCoupon(customerId: $c) { status } }`,
  grantAccountCredit: `mutation($c: ID!, $n: ID!) { grantAccountCredit(customerId: $c, amount: "1", reason: "m", idempotencyKey: $n) { id } }`,
};

let api: TestApi;
const creds: Record<string, string | null> = {};
const invoices: Record<string, string> = {};
let counter = 0;

beforeAll(async () => {
  const given = await scenario({
    features: { api_calls: "METERED" },
    plans: { metered: PLANS.metered },
    customers: { "cust-a": "metered", "cust-b": "metered", "cust-c": null },
  });
  api = given.api;
  const f = given.f;
  for (const c of ["cust-a", "cust-b"])
    invoices[c] = (
      await api.ok(`query($c: ID!) { customer(id: $c) { invoices { id } } }`, { c })
    ).customer.invoices[0].id;

  const createKey = async (scope: string) =>
    (
      await api.ok(`mutation($s: ApiKeyScope!) { createApiKey(name: "m", scope: $s) { key { id } secret } }`, {
        s: scope,
      })
    ).createApiKey;
  const token = async (c: string, ttl: number) =>
    (
      await api.ok(`mutation($c: ID!, $t: Int) { createCustomerToken(customerId: $c, ttlSeconds: $t) { token } }`, {
        c,
        t: ttl,
      })
    ).createCustomerToken.token;
  const revoked = await createKey("ADMIN");
  await api.ok(`mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: revoked.key.id });
  const expiring = await token("cust-a", 60);
  await f.advanceClock("2026-01-01T00:05:00Z"); // past the 60-second token's expiry, on the test clock

  creds.none = null;
  creds.malformed = "bk_live_not-a-real-key";
  creds.revoked = revoked.secret;
  creds.expiredTokenOfA = expiring;
  creds.ingest = (await createKey("INGEST")).secret;
  creds.admin = (await createKey("ADMIN")).secret;
  creds.tokenOfA = await token("cust-a", 3600);
  const portal = (await api.ok(`mutation { createPortalSession(customerId: "cust-a", ttlSeconds: 3600) { url } }`))
    .createPortalSession.url;
  creds.portalOfA = new URLSearchParams(new URL(portal).hash.slice(1)).get("token");
});
afterAll(() => api?.close());

async function outcome(field: string, key: string | null, customer: string): Promise<Outcome> {
  const response = await api.gql(REQUESTS[field]!, { c: customer, i: invoices[customer], n: `m${++counter}` }, { key });
  const codes = (response.errors ?? []).map((e) => e.extensions?.code);
  expect(codes, `${field}: ${JSON.stringify(response.errors)}`).not.toContain("INTERNAL_SERVER_ERROR");
  if (codes.includes("UNAUTHENTICATED")) {
    expect(response.status).toBe(401);
    return "UNAUTHENTICATED";
  }
  if (codes.includes("FORBIDDEN")) {
    expect(response.data?.[field] ?? null, `${field}: no data on refusal`).toBeNull();
    return F;
  }
  if (codes.length === 0 && response.data?.[field] === null) return NULL;
  return ok;
}

const rootFields = () => [
  ...Object.keys(schema.getQueryType()!.getFields()),
  ...Object.keys(schema.getMutationType()!.getFields()),
];

describe("the table covers the schema", () => {
  it("has a decided policy and a request for every Query and Mutation field, and nothing else", () => {
    expect(Object.keys(TABLE).sort()).toEqual(rootFields().sort());
    expect(Object.keys(REQUESTS).sort()).toEqual(rootFields().sort());
  });

  it("every Query and Mutation field declares authScopes", () => {
    for (const type of [schema.getQueryType()!, schema.getMutationType()!])
      for (const field of Object.values(type.getFields()))
        expect(
          (field.extensions as { pothosOptions?: { authScopes?: unknown } }).pothosOptions?.authScopes,
          `${type.name}.${field.name}`,
        ).toBeDefined();
  });
});

describe.each(rootFields())("%s", (field) => {
  it("answers each credential as the table says", async () => {
    const row = TABLE[field];
    expect(row, `${field} has no row in the authorisation table: decide its policy`).toBeDefined();
    const [ingest, admin, tokenOfA, tokenOfAForB] = row!;
    const [portalOfA, portalOfAForB] = PORTAL[field] ?? [tokenOfA, tokenOfAForB];
    const expected = {
      none: "UNAUTHENTICATED",
      malformed: "UNAUTHENTICATED",
      revoked: "UNAUTHENTICATED",
      expiredTokenOfA: "UNAUTHENTICATED",
      ingest,
      admin,
      tokenOfA,
      tokenOfAForB,
      portalOfA,
      portalOfAForB,
    };
    const actual: Record<string, Outcome> = {};
    for (const credential of Object.keys(expected)) {
      const forB = credential.endsWith("ForB");
      const key = creds[credential.replace("ForB", "")]!;
      actual[credential] = await outcome(field, key ?? null, forB ? "cust-b" : "cust-a");
    }
    expect(actual).toEqual(expected);
  });
});

describe("a customer token reads its own customer completely", () => {
  it("sees every sub-field of itself, and its own invoice", async () => {
    const response = await api.gql(REQUESTS.customer!, { c: "cust-a" }, { key: creds.tokenOfA! });
    expect(response.errors).toBeUndefined();
    expect(response.data.customer).toMatchObject({
      id: "cust-a",
      subscription: { plan: { code: "metered" } },
      invoices: expect.arrayContaining([expect.objectContaining({ id: invoices["cust-a"] })]),
    });
    expect(Object.keys(response.data.customer).sort()).toEqual([
      "entitlements",
      "events",
      "id",
      "invoices",
      "name",
      "subscription",
      "usage",
      "wallet",
    ]);
    const invoice = await api.gql(REQUESTS.invoice!, { i: invoices["cust-a"] }, { key: creds.tokenOfA! });
    expect(invoice.data.invoice).toMatchObject({ id: invoices["cust-a"], customerId: "cust-a" });
  });
});

describe("an INGEST key creates customers on first use", () => {
  const CREATE = `mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id name email metadata } }`;

  it("idempotently: the same input again returns the customer; another input under the id is ALREADY_EXISTS", async () => {
    const input = { id: "ingested", name: "Ingested Co", email: "ops@ingested.example", metadata: { a: 1, b: [2] } };
    const created = await api.gql(CREATE, { i: input }, { key: creds.ingest! });
    expect(created).toEqual({ status: 200, data: { createCustomer: input } });
    // Again, from the metering service or the operator, metadata keys in another order: the same customer.
    const sameAgain = { ...input, metadata: { b: [2], a: 1 } };
    expect(await api.gql(CREATE, { i: sameAgain }, { key: creds.ingest! })).toEqual(created);
    expect(await api.gql(CREATE, { i: sameAgain }, { key: creds.admin! })).toEqual(created);
    for (const other of [{ id: "ingested" }, { ...input, name: "Other" }, { ...input, metadata: { a: 2, b: [2] } }]) {
      const refused = await api.gql(CREATE, { i: other }, { key: creds.ingest! });
      expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(["ALREADY_EXISTS"]);
      expect(refused.errors?.[0]?.message).toBe('customer "ingested" already exists with other details');
    }
  });

  it("reads back only what it sent: never the wallet, subscription, usage, events or invoices of a customer", async () => {
    for (const field of [
      "wallet { credits balance }",
      "subscription { status }",
      "usage { used }",
      "entitlements { allowed }",
      "events { edges { cursor } }",
      "invoices { id }",
    ]) {
      // cust-a exists with this input ({ id } only), so this is a replay that returns it.
      const response = await api.gql(
        `mutation { createCustomer(input: { id: "cust-a" }) { id ${field} } }`,
        {},
        { key: creds.ingest! },
      );
      expect(
        response.errors?.map((e) => e.extensions?.code),
        field,
      ).toEqual(["FORBIDDEN"]);
      // Nothing of it reaches the key: the field is null (and so is the customer when the field is non-null).
      expect(response.data?.createCustomer?.[field.split(" ")[0]!] ?? null, field).toBeNull();
    }
    const asAdmin = await api.gql(`mutation { createCustomer(input: { id: "cust-a" }) { id wallet { credits } } }`, {});
    expect(asAdmin.data).toEqual({ createCustomer: { id: "cust-a", wallet: { credits: null } } });
  });
});
