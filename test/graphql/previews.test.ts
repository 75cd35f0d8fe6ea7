/**
 * Previews (issue 16 item 4): `previewPlanChange` shows exactly what `changePlan` then invoices, for
 * every model and both timings, and `upcomingInvoice` exactly what the period close then issues;
 * neither writes anything. Plan groups and ranks are stored and shown; changing to another group
 * or model stays allowed to ADMIN keys.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { expectError, type Fixtures } from "../support/fixtures";
import { scenario, type PlanGiven } from "../support/scenario";
import { scanTable } from "../support/db";

let api: TestApi;
let f: Fixtures;

const PLANS: Record<string, PlanGiven> = {
  m_small: {
    model: "METERED",
    basePrice: "10",
    group: "api",
    rank: 1,
    features: [{ feature: "api_calls", included: "100", overagePrice: "0.01" }],
  },
  m_big: {
    model: "METERED",
    basePrice: "30",
    group: "api",
    rank: 2,
    features: [{ feature: "api_calls", included: "1000", overagePrice: "0.005" }],
  },
  c_small: {
    model: "CREDITS",
    basePrice: "49",
    includedCredits: "100",
    group: "studio",
    rank: 1,
    features: [{ feature: "images", creditsPerUnit: "10" }],
  },
  c_big: {
    model: "CREDITS",
    basePrice: "99",
    includedCredits: "300",
    group: "studio",
    rank: 2,
    features: [{ feature: "images", creditsPerUnit: "10" }],
  },
  b_small: { model: "BALANCE", basePrice: "100", features: [{ feature: "api_calls", unitPrice: "0.0043" }] },
  b_big: { model: "BALANCE", basePrice: "200", features: [{ feature: "api_calls", unitPrice: "0.0043" }] },
  euro: {
    model: "METERED",
    basePrice: "10",
    currency: "EUR",
    features: [{ feature: "api_calls", included: "1", overagePrice: "1" }],
  },
};

/** Usage that leaves something to bill or credit in each model. */
const USAGE: Record<string, { feature: string; value: string }> = {
  m_small: { feature: "api_calls", value: "250" }, // 150 over included: $1.50
  c_small: { feature: "images", value: "4" }, // 40 of 100 credits: 60% of the grant left
  b_small: { feature: "api_calls", value: "10000" }, // $43.00 of $100: 57% of the allowance left
};

beforeEach(async () => {
  // The clock starts at 2026-01-01T00:00:00Z.
  ({ api, f } = await scenario({ features: { api_calls: "METERED", images: "METERED" }, plans: PLANS }));
});
afterEach(() => api.close());

const LINES = "lines { kind description feature quantity unitPrice amount periodStart periodEnd }";
const INVOICE = `currency periodStart periodEnd subtotal total creditedToAccount ${LINES}`;
const PREVIEW = `query($c: ID!, $p: ID!, $t: ChangeTiming) { previewPlanChange(customerId: $c, planCode: $p, timing: $t) { ${INVOICE} } }`;
const UPCOMING = `query($c: ID!) { upcomingInvoice(customerId: $c) { ${INVOICE} } }`;

const preview = async (c: string, p: string, t: string) => (await api.ok(PREVIEW, { c, p, t })).previewPlanChange;
const upcoming = async (c: string) => (await api.ok(UPCOMING, { c })).upcomingInvoice;
/** The customer's invoices, newest first. */
const invoices = async (c: string): Promise<any[]> =>
  (await api.ok(`query($c: ID!) { customer(id: $c) { invoices { number ${INVOICE} } } }`, { c })).customer.invoices;
const newest = async (c: string) => {
  const { number: _number, ...invoice } = (await invoices(c))[0];
  return invoice;
};
const use = (c: string, plan: string, key: string) =>
  api.ok(`mutation($i: TrackUsageInput!) { trackUsage(input: $i) { replayed } }`, {
    i: { customerId: c, idempotencyKey: key, ...USAGE[plan] },
  });
const changePlan = (c: string, p: string, t: string) =>
  api.ok(
    `mutation($c: ID!, $p: ID!, $t: ChangeTiming) { changePlan(customerId: $c, planCode: $p, timing: $t) { status } }`,
    {
      c,
      p,
      t,
    },
  );

/** Runs `read` and expects the table to be exactly as it was (no item written, changed or added). */
async function writesNothing<T>(read: () => Promise<T>): Promise<T> {
  const before = await scanTable(api.deps.db, { consistent: true });
  const result = await read();
  expect(await scanTable(api.deps.db, { consistent: true })).toEqual(before);
  return result;
}

const CASES = [
  ["m_small", "m_big"],
  ["m_small", "c_small"],
  ["c_small", "c_big"],
  ["c_small", "b_small"],
  ["b_small", "b_big"],
  ["b_small", "m_small"],
] as const;

describe("previewPlanChange shows what changePlan invoices", () => {
  it.each(CASES)("IMMEDIATE from %s to %s: the change's invoice is the preview", async (from, to) => {
    await f.customerOn("x", from);
    await use("x", from, "x-1");
    await f.advanceClock("2026-01-11T00:00:00.000Z"); // 10 of 31 days used
    const shown = await writesNothing(() => preview("x", to, "IMMEDIATE"));
    await changePlan("x", to, "IMMEDIATE");
    expect(await newest("x")).toEqual(shown);
    expect(shown.lines.at(-1)).toMatchObject({ kind: "BASE_FEE", periodStart: "2026-01-11T00:00:00.000Z" });
  });

  it.each(CASES)("PERIOD_END from %s to %s: the renewal's invoice is the preview", async (from, to) => {
    await f.customerOn("x", from);
    await use("x", from, "x-1");
    await f.advanceClock("2026-01-11T00:00:00.000Z");
    const shown = await writesNothing(() => preview("x", to, "PERIOD_END"));
    await changePlan("x", to, "PERIOD_END");
    expect(await invoices("x")).toHaveLength(1); // nothing is invoiced now
    expect(await upcoming("x")).toEqual(shown);
    await f.advanceClock("2026-02-01T00:00:00.000Z");
    await api.ok(`mutation { closeDuePeriods }`);
    expect(await newest("x")).toEqual(shown);
    expect(shown.lines.at(-1)).toMatchObject({ kind: "BASE_FEE", periodStart: "2026-02-01T00:00:00.000Z" });
  });

  it("exact lines: METERED overage so far and the new base fee; a used-up grant credits nothing", async () => {
    await f.customerOn("x", "m_small");
    await use("x", "m_small", "x-1");
    await f.advanceClock("2026-01-11T00:00:00.000Z");
    expect(await preview("x", "m_big", "IMMEDIATE")).toEqual({
      currency: "USD",
      periodStart: "2026-01-01T00:00:00.000Z",
      periodEnd: "2026-01-11T00:00:00.000Z",
      subtotal: "31.50",
      total: "31.50",
      creditedToAccount: "0.00",
      lines: [
        {
          kind: "OVERAGE",
          description: "api_calls beyond the included units",
          feature: "api_calls",
          quantity: "150",
          unitPrice: "0.01",
          amount: "1.50",
          periodStart: "2026-01-01T00:00:00.000Z",
          periodEnd: "2026-01-11T00:00:00.000Z",
        },
        {
          kind: "BASE_FEE",
          description: "m_big (2026-01-11 to 2026-02-11)",
          feature: null,
          quantity: "1",
          unitPrice: "30.00",
          amount: "30.00",
          periodStart: "2026-01-11T00:00:00.000Z",
          periodEnd: "2026-02-11T00:00:00.000Z",
        },
      ],
    });
  });

  it("exact lines: CREDITS credit the unused fee by min(time left 21/31, grant left 60%) = 60%", async () => {
    await f.customerOn("x", "c_small");
    await use("x", "c_small", "x-1");
    await f.advanceClock("2026-01-11T00:00:00.000Z");
    const shown = await preview("x", "c_big", "IMMEDIATE");
    expect(shown.lines.map((l: any) => [l.kind, l.amount])).toEqual([
      ["PRORATION", "-29.40"],
      ["BASE_FEE", "99.00"],
    ]);
    expect(shown).toMatchObject({ subtotal: "69.60", total: "69.60", creditedToAccount: "0.00" });
  });

  it("a credit larger than the new fee previews total 0.00 and the rest as account credit, as issued", async () => {
    await f.customerOn("x", "b_big");
    const shown = await preview("x", "b_small", "IMMEDIATE"); // at once: all $200 back, $100 billed
    expect(shown).toMatchObject({ subtotal: "-100.00", total: "0.00", creditedToAccount: "100.00" });
    await changePlan("x", "b_small", "IMMEDIATE");
    expect(await newest("x")).toEqual(shown);
    expect((await api.ok(`{ customer(id: "x") { accountCredit } }`)).customer.accountCredit).toBe("100.00");
  });

  it("refuses what changePlan refuses, with the same codes", async () => {
    await f.customerOn("x", "m_small");
    await f.customer("nobody");
    const ask = (c: string, p: string, t = "IMMEDIATE") => api.gql(PREVIEW, { c, p, t });
    expectError(await ask("x", "m_small"), "BAD_USER_INPUT"); // already on it
    expectError(await ask("x", "euro"), "BAD_USER_INPUT"); // another currency
    expectError(await ask("x", "missing"), "NOT_FOUND");
    expectError(await ask("nobody", "m_big"), "NO_SUBSCRIPTION");
    expectError(await ask("ghost", "m_big"), "NOT_FOUND");
    await api.ok(`mutation { archivePlan(code: "m_big") { archived } }`);
    expectError(await ask("x", "m_big"), "BAD_USER_INPUT");
    // PERIOD_END to the current plan clears a scheduled change: its renewal bills the plan again.
    expect((await preview("x", "m_small", "PERIOD_END")).lines.map((l: any) => l.description)).toEqual([
      "m_small (2026-02-01 to 2026-03-01)",
    ]);
  });

  it("a customer token previews its own customer only", async () => {
    await f.customerOn("x", "m_small");
    await f.customerOn("y", "m_small");
    const token = (await api.ok(`mutation { createCustomerToken(customerId: "x") { token } }`)).createCustomerToken
      .token;
    const own = await api.gql(PREVIEW, { c: "x", p: "m_big", t: "IMMEDIATE" }, { key: token });
    expect(own.errors).toBeUndefined();
    expectError(await api.gql(PREVIEW, { c: "y", p: "m_big", t: "IMMEDIATE" }, { key: token }), "FORBIDDEN");
    expectError(await api.gql(UPCOMING, { c: "y" }, { key: token }), "FORBIDDEN");
  });
});

describe("upcomingInvoice shows what the period close issues", () => {
  it.each(["m_small", "c_small", "b_small"])("%s: the close's invoice is the one shown before it", async (plan) => {
    await f.customerOn("x", plan);
    await use("x", plan, "x-1");
    await f.advanceClock("2026-01-20T00:00:00.000Z");
    const shown = await writesNothing(() => upcoming("x"));
    await f.advanceClock("2026-01-31T23:59:59.999Z");
    expect(await upcoming("x")).toEqual(shown); // the close's date does not change what it bills
    await f.advanceClock("2026-02-01T00:00:00.000Z"); // from here on, the next period's is upcoming
    await api.ok(`mutation { closeDuePeriods }`);
    expect(await newest("x")).toEqual(shown);
  });

  it("exact: METERED overage so far and the next base fee", async () => {
    await f.customerOn("x", "m_small");
    await use("x", "m_small", "x-1");
    expect(await upcoming("x")).toMatchObject({
      currency: "USD",
      periodStart: "2026-01-01T00:00:00.000Z",
      periodEnd: "2026-02-01T00:00:00.000Z",
      subtotal: "11.50",
      total: "11.50",
      lines: [
        { kind: "OVERAGE", quantity: "150", amount: "1.50", periodEnd: "2026-02-01T00:00:00.000Z" },
        { kind: "BASE_FEE", amount: "10.00", periodStart: "2026-02-01T00:00:00.000Z" },
      ],
    });
  });

  it("a lazily closed period shows the next one; none without a subscription or with nothing to bill", async () => {
    await f.customer("nobody");
    expect(await upcoming("nobody")).toBeNull();
    await f.customerOn("x", "m_small");
    await api.ok(`mutation { cancelSubscription(customerId: "x", timing: PERIOD_END) { status } }`);
    expect(await upcoming("x")).toBeNull(); // a final invoice with no overage is not issued
    await use("x", "m_small", "x-1");
    expect((await upcoming("x")).lines.map((l: any) => l.kind)).toEqual(["OVERAGE"]);
    await f.customerOn("y", "b_small");
    await f.advanceClock("2026-03-15T00:00:00.000Z"); // two periods over, not closed yet
    expect(await upcoming("y")).toMatchObject({
      periodStart: "2026-03-01T00:00:00.000Z",
      lines: [{ kind: "BASE_FEE", amount: "100.00", periodStart: "2026-04-01T00:00:00.000Z" }],
    });
    expectError(await api.gql(UPCOMING, { c: "ghost" }), "NOT_FOUND");
  });
});

describe("plan groups", () => {
  it("stores group and rank; rank needs a group; ADMIN keys change across groups and models", async () => {
    const plans = await api.ok(`{ plans { code group rank } }`);
    expect(plans.plans.filter((p: any) => p.code.startsWith("m_") || p.code === "b_small")).toEqual([
      { code: "b_small", group: null, rank: null },
      { code: "m_big", group: "api", rank: 2 },
      { code: "m_small", group: "api", rank: 1 },
    ]);
    const bad = await api.gql(
      `mutation { createPlan(input: { code: "r", name: "r", model: METERED, basePrice: "1", interval: MONTH, rank: 3, features: [] }) { code } }`,
    );
    expectError(bad, "BAD_USER_INPUT");
    expect(bad.errors?.[0]?.message).toBe("input.rank needs input.group: a rank orders the plans of one group");
    const negative = await api.gql(
      `mutation { createPlan(input: { code: "r", name: "r", model: METERED, basePrice: "1", interval: MONTH, group: "g", rank: -1, features: [] }) { code } }`,
    );
    expect(negative.errors?.[0]?.message).toBe("input.rank must not be negative");
    await f.customerOn("x", "m_small");
    await changePlan("x", "c_big", "IMMEDIATE"); // another group and model
    expect((await api.ok(`{ customer(id: "x") { subscription { plan { code group } } } }`)).customer).toEqual({
      subscription: { plan: { code: "c_big", group: "studio" } },
    });
  });
});
