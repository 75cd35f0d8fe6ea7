/** Add-ons through the API: createAddOn, attachAddOn (pro rata at once, full grant), renewals, detachAddOn, exactly once. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { expectError, type Fixtures } from "../support/fixtures";
import { PLANS, scenario, type Scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;
beforeEach(async () => {
  ({ api, f } = await scenario({
    features: { api_calls: "METERED", images: "METERED", sso: "BOOLEAN", editors: "SEATS" },
    plans: {
      metered: PLANS.metered,
      credits: PLANS.credits,
      balance: PLANS.balance,
      bigger: {
        model: "METERED",
        basePrice: "31",
        features: [{ feature: "api_calls", included: "500", overagePrice: "0.01" }],
      },
      images_only: {
        model: "METERED",
        basePrice: "31",
        features: [{ feature: "images", included: "5", overagePrice: "0.01" }],
      },
      trial: { ...PLANS.metered, trialDays: 14 },
      euro: { ...PLANS.metered, currency: "EUR" },
    },
    customers: { m: "metered", c: "credits", b: "balance", t: "trial", e: "euro" },
  }));
  const create = (code: string, feature: string, price: string, grants?: string) =>
    api.ok(`mutation($i: CreateAddOnInput!) { createAddOn(input: $i) { code } }`, {
      i: { code, name: code, feature, price, ...(grants ? { grants } : {}) },
    });
  // 1,000 more calls (METERED), 500 credits (CREDITS) or $50 (BALANCE) a period for $5; SSO for $3.
  await create("calls_1k", "api_calls", "5", "1000");
  await create("images_pack", "images", "20", "500");
  await create("sso", "sso", "3");
});
afterEach(() => api.close());

const ATTACH = `mutation($c: ID!, $a: ID!, $q: Int, $k: ID!) {
  attachAddOn(customerId: $c, addOnCode: $a, quantity: $q, idempotencyKey: $k) { addOns { code quantity price grants endsAt } } }`;
const attach = (c: string, a: string, k: string, q?: number) => api.gql(ATTACH, { c, a, k, q });
const DETACH = `mutation($c: ID!, $a: ID!) { detachAddOn(customerId: $c, addOnCode: $a) { addOns { code endsAt } } }`;
const UPCOMING = `query($c: ID!) { upcomingInvoice(customerId: $c) { subtotal total lines { kind feature quantity unitPrice amount } } }`;
const entitlement = async (c: string, feature: string) =>
  (
    await api.ok(
      `query($c: ID!, $f: ID!) { entitlement(customerId: $c, feature: $f) { allowed reason included remaining } }`,
      { c, f: feature },
    )
  ).entitlement;
type Line = { kind: string };
const addOnLines = (invoices: { lines: Line[] }[]) =>
  invoices.flatMap((i) => i.lines.filter((l) => l.kind === "ADD_ON"));
const close = async (at: string) => {
  await f.advanceClock(at);
  await api.ok(`mutation { closeDuePeriods }`);
};

describe("attachAddOn on a METERED plan", () => {
  it("invoices the rest of the period pro rata at once, grants in full at once, and renews both; upcomingInvoice is the close", async () => {
    expect(await entitlement("m", "sso")).toMatchObject({ allowed: false, reason: "FEATURE_NOT_IN_PLAN" });
    // Period 1 is 2026-01-01 to 2026-02-01 (31 days); 16 days left: 2 x 5 x 16/31 = 5.161290322581 -> 5.16.
    await f.advanceClock("2026-01-16T00:00:00Z");
    expect((await attach("m", "calls_1k", "a1", 2)).data?.attachAddOn.addOns).toEqual([
      { code: "calls_1k", quantity: 2, price: "5.00", grants: "1000", endsAt: null },
    ]);
    expect((await attach("m", "sso", "a2")).data?.attachAddOn.addOns).toHaveLength(2);
    const [ssoInvoice, callsInvoice] = await f.invoices("m");
    expect(callsInvoice.lines).toEqual([
      { kind: "ADD_ON", feature: "api_calls", quantity: "2", unitPrice: "2.58064516129", amount: "5.16" },
    ]);
    expect(ssoInvoice.lines).toEqual([
      { kind: "ADD_ON", feature: "sso", quantity: "1", unitPrice: "1.548387096774", amount: "1.55" },
    ]);
    // The full grant now: 100 + 2 x 1,000 included; SSO on.
    expect(await entitlement("m", "api_calls")).toMatchObject({ allowed: true, included: "2100", remaining: "2100" });
    expect(await entitlement("m", "sso")).toMatchObject({ allowed: true, reason: null });
    const quote = `query { quote(input: { customerId: "m", feature: "api_calls", value: "2200", idempotencyKey: "q" }) { cost } }`;
    expect((await api.ok(quote)).quote.cost).toBe("1.00");
    await f.track({ customerId: "m", feature: "api_calls", idempotencyKey: "t1", value: "2200" });
    const upcoming = (await api.ok(UPCOMING, { c: "m" })).upcomingInvoice;
    expect(upcoming.lines).toEqual([
      { kind: "OVERAGE", feature: "api_calls", quantity: "100", unitPrice: "0.01", amount: "1.00" },
      { kind: "BASE_FEE", feature: null, quantity: "1", unitPrice: "10.00", amount: "10.00" },
      { kind: "ADD_ON", feature: "api_calls", quantity: "2", unitPrice: "5.00", amount: "10.00" },
      { kind: "ADD_ON", feature: "sso", quantity: "1", unitPrice: "3.00", amount: "3.00" },
    ]);
    await close("2026-02-01T00:00:00Z");
    const [renewal] = await f.invoices("m");
    expect({ subtotal: renewal.subtotal, total: renewal.total, lines: renewal.lines }).toEqual(upcoming);
    expect(renewal.total).toBe("24.00");
    expect(await entitlement("m", "api_calls")).toMatchObject({ included: "2100", remaining: "2100" });
  });

  it("detachAddOn ends it at the period's end: it works until then, nothing is given back, the renewal neither bills nor grants it", async () => {
    await attach("m", "calls_1k", "a1");
    await attach("m", "sso", "a2");
    await f.advanceClock("2026-01-10T00:00:00Z");
    expect((await api.ok(DETACH, { c: "m", a: "calls_1k" })).detachAddOn.addOns).toEqual([
      { code: "calls_1k", endsAt: "2026-02-01T00:00:00.000Z" },
      { code: "sso", endsAt: null },
    ]);
    // Again: nothing changes; the grant still counts this period.
    expect((await api.ok(DETACH, { c: "m", a: "calls_1k" })).detachAddOn.addOns[0].endsAt).toBe(
      "2026-02-01T00:00:00.000Z",
    );
    expect(await entitlement("m", "api_calls")).toMatchObject({ included: "1100" });
    expect(addOnLines(await f.invoices("m"))).toHaveLength(2);
    await close("2026-02-01T00:00:00Z");
    const [renewal] = await f.invoices("m");
    expect(renewal.lines.map((l: Line & { feature: string }) => [l.kind, l.feature])).toEqual([
      ["BASE_FEE", null],
      ["ADD_ON", "sso"],
    ]);
    expect(await entitlement("m", "api_calls")).toMatchObject({ included: "100" });
    expectError(await api.gql(DETACH, { c: "m", a: "calls_1k" }), "NOT_FOUND");
  });
});

describe("attachAddOn on CREDITS and BALANCE plans", () => {
  it("adds credits to the plan's credits, in full now and at every reset", async () => {
    await f.advanceClock("2026-01-11T00:00:00Z");
    await attach("c", "images_pack", "a1");
    // 21 of 31 days: 20 x 21/31 = 13.548387096774 -> 13.55.
    expect(addOnLines(await f.invoices("c"))).toEqual([
      { kind: "ADD_ON", feature: "images", quantity: "1", unitPrice: "13.548387096774", amount: "13.55" },
    ]);
    expect(await f.wallet("c")).toMatchObject({ credits: "600", planCredits: "600" });
    await f.track({ customerId: "c", feature: "images", idempotencyKey: "t1", value: "55" });
    expect(await f.wallet("c")).toMatchObject({ credits: "50" });
    await close("2026-02-01T00:00:00Z");
    const [renewal] = await f.invoices("c");
    expect(renewal.lines.map((l: { kind: string; amount: string }) => [l.kind, l.amount])).toEqual([
      ["BASE_FEE", "49.00"],
      ["ADD_ON", "20.00"],
    ]);
    expect(await f.wallet("c")).toMatchObject({ credits: "600", planCredits: "600" });
  });

  it("adds money to the allowance", async () => {
    await api.ok(`mutation($i: CreateAddOnInput!) { createAddOn(input: $i) { code } }`, {
      i: { code: "more_money", name: "More", feature: "api_calls", price: "40", grants: "50" },
    });
    // $129 spent of the $100 allowance: $29 of overage so far.
    await f.track({ customerId: "b", feature: "api_calls", idempotencyKey: "t1", value: "30000" });
    expect(await f.wallet("b")).toMatchObject({ balance: "-29.00", overage: "29.00" });
    await attach("b", "more_money", "a1");
    expect(addOnLines(await f.invoices("b"))).toEqual([
      { kind: "ADD_ON", feature: "api_calls", quantity: "1", unitPrice: "40.00", amount: "40.00" },
    ]);
    // The period's allowance is now $150, which the spend counts against first: no overage left.
    expect(await f.wallet("b")).toMatchObject({
      balance: "21.00",
      allowance: "21.00",
      spent: "129.00",
      overage: "0.00",
    });
  });
});

describe("attachAddOn is exactly once", () => {
  it("replays by key, refuses another request under it, and concurrent attaches bill once", async () => {
    const same = await Promise.all(Array.from({ length: 8 }, () => attach("m", "calls_1k", "k1")));
    expect(same.flatMap((a) => a.errors ?? [])).toEqual([]);
    expect(addOnLines(await f.invoices("m"))).toHaveLength(1);
    expectError(await attach("m", "sso", "k1"), "IDEMPOTENCY_KEY_REUSED");
    const distinct = await Promise.all(Array.from({ length: 8 }, (_, i) => attach("m", "sso", `d${i}`)));
    expect(distinct.filter((a) => !a.errors).length).toBe(1);
    expect(distinct.flatMap((a) => a.errors ?? []).map((e) => e.extensions?.code)).toEqual(
      Array(7).fill("ALREADY_EXISTS"),
    );
    expect(addOnLines(await f.invoices("m"))).toHaveLength(2);
    expect(await entitlement("m", "api_calls")).toMatchObject({ included: "1100" });
  });

  it("refuses what it cannot do, writing nothing", async () => {
    const before = await f.snapshot("m");
    expectError(await attach("m", "nope", "r1"), "NOT_FOUND");
    expectError(await attach("m", "images_pack", "r2"), "FEATURE_NOT_IN_PLAN");
    const euro = await attach("e", "sso", "r3");
    expectError(euro, "BAD_USER_INPUT");
    expect(euro.errors?.[0]?.message).toBe('addOnCode: add-on "sso" is priced in USD; plan "euro" bills in EUR');
    expectError(await attach("t", "sso", "r4"), "BAD_USER_INPUT");
    expectError(await attach("m", "sso", "r5", 0), "BAD_USER_INPUT");
    expect(await f.snapshot("m")).toEqual(before);
    const create = (i: object) => api.gql(`mutation($i: CreateAddOnInput!) { createAddOn(input: $i) { code } }`, { i });
    expectError(await create({ code: "x", name: "x", feature: "sso", price: "1", grants: "1" }), "BAD_USER_INPUT");
    expectError(await create({ code: "x", name: "x", feature: "api_calls", price: "1" }), "BAD_USER_INPUT");
    expectError(await create({ code: "x", name: "x", feature: "editors", price: "1", grants: "1" }), "BAD_USER_INPUT");
    expectError(await create({ code: "sso", name: "x", feature: "sso", price: "1" }), "ALREADY_EXISTS");
    expect((await api.ok(`{ addOns { code } }`)).addOns.map((a: { code: string }) => a.code).sort()).toEqual([
      "calls_1k",
      "images_pack",
      "sso",
    ]);
  });
});

describe("add-ons and plan changes", () => {
  it("an immediate change gives back the unused part, keeps the add-ons the new plan has the feature for, and bills them a full period", async () => {
    await attach("m", "calls_1k", "a1");
    await attach("m", "sso", "a2");
    await f.advanceClock("2026-01-16T00:00:00Z");
    await api.ok(
      `mutation { changePlan(customerId: "m", planCode: "images_only", timing: IMMEDIATE) { plan { code } } }`,
    );
    const [change] = await f.invoices("m");
    // 16/31 of each add-on back; calls_1k ends (images_only has no api_calls); SSO moves, billed from now.
    expect(addOnLines([change])).toEqual([
      { kind: "ADD_ON", feature: "api_calls", quantity: "-1", unitPrice: "2.58064516129", amount: "-2.58" },
      { kind: "ADD_ON", feature: "sso", quantity: "-1", unitPrice: "1.548387096774", amount: "-1.55" },
      { kind: "ADD_ON", feature: "sso", quantity: "1", unitPrice: "3.00", amount: "3.00" },
    ]);
    const { customer } = await api.ok(`{ customer(id: "m") { subscription { addOns { code } } } }`);
    expect(customer.subscription.addOns).toEqual([{ code: "sso" }]);
  });

  it("add-ons are listed and billed in the order attached, those of one instant by code (soak seed 81035)", async () => {
    // Regression: the reliability model listed add-ons attached at one instant in the order its
    // operations ran, the product (the wallet's map, sorted on read by attach time, then code) by
    // code, so a plan change's ADD_ON lines came in another order than the model's; and
    // attachAddOn's answer put the one just attached last, whatever the order of a read. The order
    // is now one rule (core/wallet.ts byAttachment), documented (docs/pricing.md), the model's too.
    await api.ok(`mutation($i: CreateAddOnInput!) { createAddOn(input: $i) { code } }`, {
      i: { code: "a_few_calls", name: "A few calls", feature: "api_calls", price: "1", grants: "10" },
    });
    // Jan 1: sso first, then calls_1k, at one instant: by code.
    await attach("m", "sso", "a1");
    expect((await attach("m", "calls_1k", "a2")).data?.attachAddOn.addOns.map((a: { code: string }) => a.code)).toEqual(
      ["calls_1k", "sso"],
    );
    // Jan 10: a_few_calls, attached later, comes last although its code sorts first.
    await f.advanceClock("2026-01-10T00:00:00Z");
    expect(
      (await attach("m", "a_few_calls", "a3")).data?.attachAddOn.addOns.map((a: { code: string }) => a.code),
    ).toEqual(["calls_1k", "sso", "a_few_calls"]);
    const listed = async () =>
      (await api.ok(`{ customer(id: "m") { subscription { addOns { code } } } }`)).customer.subscription.addOns.map(
        (a: { code: string }) => a.code,
      );
    expect(await listed()).toEqual(["calls_1k", "sso", "a_few_calls"]);
    // Jan 16, 16 of 31 days left: an immediate change to `bigger` (it prices api_calls: all three move).
    await f.advanceClock("2026-01-16T00:00:00Z");
    await api.ok(`mutation { changePlan(customerId: "m", planCode: "bigger", timing: IMMEDIATE) { plan { code } } }`);
    const [change] = await f.invoices("m");
    expect(change.lines).toEqual([
      // 10 x 16/31 = 5.161290322581 -> 5.16 of the base fee back.
      { kind: "PRORATION", feature: null, quantity: "1", unitPrice: "-5.161290322581", amount: "-5.16" },
      // 5 x 16/31, 3 x 16/31, 1 x 16/31 back, in the order attached.
      { kind: "ADD_ON", feature: "api_calls", quantity: "-1", unitPrice: "2.58064516129", amount: "-2.58" },
      { kind: "ADD_ON", feature: "sso", quantity: "-1", unitPrice: "1.548387096774", amount: "-1.55" },
      { kind: "ADD_ON", feature: "api_calls", quantity: "-1", unitPrice: "0.516129032258", amount: "-0.52" },
      { kind: "BASE_FEE", feature: null, quantity: "1", unitPrice: "31.00", amount: "31.00" },
      // The new plan's first period, in advance, in the same order.
      { kind: "ADD_ON", feature: "api_calls", quantity: "1", unitPrice: "5.00", amount: "5.00" },
      { kind: "ADD_ON", feature: "sso", quantity: "1", unitPrice: "3.00", amount: "3.00" },
      { kind: "ADD_ON", feature: "api_calls", quantity: "1", unitPrice: "1.00", amount: "1.00" },
    ]);
    expect({ subtotal: change.subtotal, total: change.total }).toEqual({ subtotal: "30.19", total: "30.19" });
    // Moved with their attach times: the same order after the change.
    expect(await listed()).toEqual(["calls_1k", "sso", "a_few_calls"]);
  });

  it("an immediate cancel with prorate gives back the unused part; without it, nothing", async () => {
    await attach("m", "calls_1k", "a1");
    await f.advanceClock("2026-01-16T00:00:00Z");
    await api.ok(`mutation { cancelSubscription(customerId: "m", timing: IMMEDIATE, prorate: true) { status } }`);
    const [final] = await f.invoices("m");
    expect(addOnLines([final])).toEqual([
      { kind: "ADD_ON", feature: "api_calls", quantity: "-1", unitPrice: "2.58064516129", amount: "-2.58" },
    ]);
  });
});

describe("add-ons and the grace period for late events", () => {
  // January with the add-on's 1,000 units on the plan's 100 included and 1,150 used; at 06:00 on
  // February 1 the month has ended and is in its one-day grace.
  let grace: Scenario;
  beforeEach(async () => {
    grace = await scenario({
      features: { api_calls: "METERED" },
      plans: { metered: PLANS.metered },
      customers: { g: "metered" },
      gracePeriodMs: 86_400_000,
    });
    await grace.api.ok(
      `mutation { createAddOn(input: { code: "more", name: "More", feature: "api_calls", price: "5", grants: "1000" }) { code } }`,
    );
    await grace.api.ok(
      `mutation { attachAddOn(customerId: "g", addOnCode: "more", idempotencyKey: "a") { addOns { code } } }`,
    );
    await grace.f.track({ customerId: "g", feature: "api_calls", idempotencyKey: "t1", value: "1150" });
    await grace.f.advanceClock("2026-02-01T06:00:00Z");
    await grace.api.ok(`mutation { closeDuePeriods }`);
  });
  afterEach(() => grace.api.close());
  /** January's closing invoice, issued at the grace end. */
  const closing = async () => {
    await grace.f.advanceClock("2026-02-02T00:00:00Z");
    await grace.api.ok(`mutation { closeDuePeriods }`);
    return (await grace.f.invoices("g"))[0];
  };
  /** 1,250 used of 1,100 included: 150 over; the next base fee and add-on. */
  const JANUARY_CLOSED = [
    { kind: "OVERAGE", feature: "api_calls", quantity: "150", unitPrice: "0.01", amount: "1.50" },
    { kind: "BASE_FEE", feature: null, quantity: "1", unitPrice: "10.00", amount: "10.00" },
    { kind: "ADD_ON", feature: "api_calls", quantity: "1", unitPrice: "5.00", amount: "5.00" },
  ];

  it("the ended period keeps its add-ons: late usage counts against its included units with the grant", async () => {
    // Late by 7 hours, into January: booked into the ended period, its included 1,100.
    await grace.f.track({
      customerId: "g",
      feature: "api_calls",
      idempotencyKey: "late",
      value: "100",
      timestamp: "2026-01-31T23:00:00Z",
    });
    expect((await closing()).lines).toEqual(JANUARY_CLOSED);
  });

  it("a timestamped adjustUsage correcting the ended period in its grace prices with the add-ons that period ran with", async () => {
    // Regression: the correction of a period in its grace priced on the bare plan (100 included),
    // without the add-on's 1,000 units (core/usage/load.ts subscribedPlan): its answer showed 1,150
    // over and $11.50. (The closing invoice was right even then: the issue prices with the add-ons.)
    // 100 calls missed in January, corrected 7 hours after its end.
    const corrected = await grace.api.gql(
      `mutation { adjustUsage(customerId: "g", feature: "api_calls", delta: "100", reason: "missed events",
        idempotencyKey: "fix", timestamp: "2026-01-31T23:00:00Z") { used included overage cost } }`,
    );
    expect(corrected.errors).toBeUndefined();
    expect(corrected.data.adjustUsage).toEqual({ used: "1250", included: "1100", overage: "150", cost: "1.50" });
    const invoice = await closing();
    expect(invoice).toMatchObject({ periodStart: "2026-01-01T00:00:00.000Z", total: "16.50" });
    expect(invoice.lines).toEqual(JANUARY_CLOSED);
  });
});
