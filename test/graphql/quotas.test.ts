/** QUOTA features through the API: adjustQuota, the period's peak billed at close, and previews equal to what is then invoiced. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { expectError, type Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;
beforeEach(async () => {
  ({ api, f } = await scenario({
    features: { projects: "QUOTA", editors: "SEATS" },
    plans: {
      // $10 a month with 2 projects; each project beyond them, at the period's peak, $5; at most 40.
      studio: {
        model: "CREDITS",
        basePrice: "10",
        includedCredits: "0",
        features: [{ feature: "projects", included: "2", overagePrice: "5", limit: "40" }],
      },
      // The same with 1 included editor at $12 a seat.
      agency: {
        model: "METERED",
        basePrice: "30",
        features: [
          { feature: "projects", included: "2", overagePrice: "5", limit: "40" },
          { feature: "editors", included: "1", overagePrice: "12" },
        ],
      },
    },
    customers: { q: "studio", a: "agency" },
  }));
});
afterEach(() => api.close());

const ADJUST = `mutation($c: ID!, $f: ID!, $d: Decimal!, $k: ID!) {
  adjustQuota(customerId: $c, feature: $f, delta: $d, idempotencyKey: $k) { feature { code } used current peak included overage cost } }`;
const adjust = (d: string, k: string, c = "q") => api.gql(ADJUST, { c, f: "projects", d, k });
const LINES = "lines { kind description feature quantity unitPrice amount periodStart periodEnd }";
const INVOICE = `currency periodStart periodEnd subtotal total ${LINES}`;
const invoices = async (c: string): Promise<any[]> =>
  (await api.ok(`query($c: ID!) { customer(id: $c) { invoices { ${INVOICE} } } }`, { c })).customer.invoices;

describe("adjustQuota", () => {
  it("rises and falls, bills the period's peak above included at close, and restarts the peak at the level", async () => {
    expect((await adjust("3", "k1")).data?.adjustQuota).toEqual({
      feature: { code: "projects" },
      used: "3",
      current: "3",
      peak: "3",
      included: "2",
      overage: "1",
      cost: "5.00",
    });
    await adjust("2", "k2");
    expect((await adjust("-4", "k3")).data?.adjustQuota).toMatchObject({
      current: "1",
      peak: "5",
      overage: "3",
      cost: "15.00",
    });
    // Back up within the peak adds nothing to the bill.
    const { quote } = await api.ok(
      `query { quote(input: { customerId: "q", feature: "projects", value: "4", idempotencyKey: "x" }) { cost } }`,
    );
    expect(quote.cost).toBeNull();
    const { upcomingInvoice } = await api.ok(`query { upcomingInvoice(customerId: "q") { ${INVOICE} } }`);
    await f.advanceClock("2026-02-01T00:00:00Z");
    await api.ok(`mutation { closeDuePeriods }`);
    const [renewal] = await invoices("q");
    expect(renewal).toEqual(upcomingInvoice);
    expect(
      renewal.lines.map((l: { kind: string; quantity: string; amount: string }) => [l.kind, l.quantity, l.amount]),
    ).toEqual([
      ["OVERAGE", "3", "15.00"],
      ["BASE_FEE", "1", "10.00"],
    ]);
    expect((await f.usage("q"))[0]).toMatchObject({ used: "1", overage: "0", cost: "0.00" });
    const usage = await api.ok(`{ customer(id: "q") { usage { current peak } } }`);
    expect(usage.customer.usage).toEqual([{ current: "1", peak: "1" }]);
  });

  it("never goes below zero nor above its limit, writing nothing; idempotent by key", async () => {
    await adjust("2", "k1");
    const before = await f.snapshot("q");
    const below = await adjust("-2.5", "k2");
    expectError(below, "BAD_USER_INPUT");
    expect(below.errors?.[0]?.message).toBe('delta -2.5 would take the level of "projects" below zero (now: 2)');
    const above = await adjust("39", "k3");
    expectError(above, "LIMIT_REACHED");
    expect(above.errors?.[0]?.message).toBe('delta 39 would take "projects" to 41, above its limit of 40');
    expectError(await adjust("0", "k4"), "BAD_USER_INPUT");
    expectError(await adjust("3", "k1"), "IDEMPOTENCY_KEY_REUSED");
    expect(await f.snapshot("q")).toEqual(before);
    expect((await adjust("2", "k1")).data?.adjustQuota.current).toBe("2"); // a replay adds nothing
    expectError(
      await api.gql(ADJUST, { c: "a", f: "editors", d: "1", k: "k5" }),
      "BAD_USER_INPUT", // a SEATS feature is set with setSeats
    );
    expect(
      (
        await api.ok(
          `query { entitlement(customerId: "q", feature: "projects", amount: "39") { allowed reason used remaining } }`,
        )
      ).entitlement,
    ).toEqual({ allowed: false, reason: "LIMIT_REACHED", used: "2", remaining: "0" });
  });

  it("concurrent steps up and down land exactly", async () => {
    await adjust("20", "base");
    const deltas = Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? "-1" : "1"));
    const answers = await Promise.all(deltas.map((d, i) => adjust(d, `c${i}`)));
    expect(answers.flatMap((a) => a.errors ?? [])).toEqual([]);
    const { customer } = await api.ok(`{ customer(id: "q") { usage { current peak } } }`);
    expect(customer.usage[0].current).toBe("28"); // 20 + 16 - 8
    expect(Number(customer.usage[0].peak)).toBeGreaterThanOrEqual(28);
  });

  it("previewPlanChange and upcomingInvoice show seats and quota lines as the change and the close then invoice them", async () => {
    await adjust("4", "p1", "a");
    await api.ok(
      `mutation { setSeats(customerId: "a", feature: "editors", count: "3", idempotencyKey: "s1") { current } }`,
    );
    await f.advanceClock("2026-01-11T00:00:00Z");
    const { previewPlanChange } = await api.ok(
      `query { previewPlanChange(customerId: "a", planCode: "studio", timing: IMMEDIATE) { ${INVOICE} } }`,
    );
    const { upcomingInvoice } = await api.ok(`query { upcomingInvoice(customerId: "a") { ${INVOICE} } }`);
    expect(upcomingInvoice.lines.map((l: { kind: string; amount: string }) => [l.kind, l.amount])).toEqual([
      ["OVERAGE", "10.00"],
      ["BASE_FEE", "30.00"],
      ["SEATS", "24.00"],
    ]);
    await api.ok(`mutation { changePlan(customerId: "a", planCode: "studio", timing: IMMEDIATE) { plan { code } } }`);
    const [change] = await invoices("a");
    expect(change).toEqual(previewPlanChange);
    // 21 of 31 days left: the 2 extra seats paid for give back 2 x 12 x 21/31 = 16.2580645... -> -16.26.
    expect(
      change.lines.map((l: { kind: string; quantity: string; amount: string }) => [l.kind, l.quantity, l.amount]),
    ).toEqual([
      ["OVERAGE", "2", "10.00"],
      ["PRORATION", "1", "-20.32"],
      ["SEATS", "-2", "-16.26"],
      ["BASE_FEE", "1", "10.00"],
    ]);
  });
});
