/**
 * Free trials (issue 16, item 1): status TRIALING, no base fee, the trial grants once, overage
 * blocked (METERED: LIMIT_REACHED beyond included; BALANCE: stops at zero), the first paid period's
 * base fee invoiced exactly once at the trial's end (by the sweeper or lazily), trial.will_end 3
 * days before the end (at once for a shorter trial), trial.ended at the end, nothing invoiced for a
 * trial cancelled. Time moves with the test clock only.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { expectError, type Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

beforeEach(async () => {
  // The clock starts at 2026-01-01T00:00:00Z.
  ({ api, f } = await scenario({
    features: { api_calls: "METERED", images: "METERED" },
    plans: {
      pro: {
        model: "METERED",
        basePrice: "99",
        trialDays: 14,
        features: [{ feature: "api_calls", included: "100", overagePrice: "0.5" }],
      },
      creator: {
        model: "CREDITS",
        basePrice: "49",
        includedCredits: "1000",
        trialDays: 7,
        features: [{ feature: "images", creditsPerUnit: "10" }],
      },
      wallet: { model: "BALANCE", basePrice: "25", features: [{ feature: "api_calls", unitPrice: "0.01" }] },
    },
  }));
});
afterEach(() => api.close());

const SUB = "status trialEnd currentPeriodStart currentPeriodEnd plan { code }";
const subscribe = (c: string, p: string, args = "") =>
  api.gql(`mutation { subscribe(customerId: "${c}", planCode: "${p}"${args}) { ${SUB} } }`);
const subscription = async (c: string) =>
  (await api.ok(`{ customer(id: "${c}") { subscription { ${SUB} } } }`)).customer.subscription;
const invoices = async (c: string) =>
  (await api.ok(`{ customer(id: "${c}") { invoices { total lines { kind amount periodStart periodEnd } } } }`)).customer
    .invoices;
/** The customer's invoice, subscription and trial events (usage thresholds left out). */
const events = (c: string) =>
  api.deps.publisher.published
    .filter((e) => (e.detail.customerId ?? (e.detail.invoice as { customerId?: string })?.customerId) === c)
    .filter((e) => /^(invoice|subscription|trial)\./.test(e.type))
    .map((e) => `${e.type} ${e.time}`);
const trialEvents = (c: string) =>
  api.deps.publisher.published.filter((e) => e.type.startsWith("trial.") && e.detail.customerId === c);
const sweep = async (to: string) => {
  await api.ok(`mutation { advanceClock(to: "${to}") }`);
  return (await api.ok("mutation { closeDuePeriods }")).closeDuePeriods;
};
const track = (c: string, value: string, key: string, feature = "api_calls") =>
  f.track({ customerId: c, feature, value, idempotencyKey: key });

describe("a 14-day trial across its end, on the test clock", () => {
  it("bills nothing, blocks overage, reminds 3 days before, then bills the first paid period once", async () => {
    await f.customer("c");
    expect((await subscribe("c", "pro")).data.subscribe).toEqual({
      status: "TRIALING",
      trialEnd: "2026-01-15T00:00:00.000Z",
      currentPeriodStart: "2026-01-01T00:00:00.000Z",
      currentPeriodEnd: "2026-01-15T00:00:00.000Z",
      plan: { code: "pro" },
    });
    expect(await invoices("c")).toEqual([]);
    expect((await track("c", "100", "t1")).errors).toBeUndefined();
    expectError(await track("c", "1", "t2"), "LIMIT_REACHED");
    const check = await api.ok(
      `{ entitlement(customerId: "c", feature: "api_calls", amount: "1") { allowed reason } }`,
    );
    expect(check.entitlement).toEqual({ allowed: false, reason: "LIMIT_REACHED" });

    expect(await sweep("2026-01-11T23:59:59Z")).toBe(0);
    expect(trialEvents("c")).toEqual([]);
    expect(await sweep("2026-01-12T00:00:00Z")).toBe(0); // the reminder is no close
    expect(await sweep("2026-01-13T00:00:00Z")).toBe(0);
    expect(trialEvents("c").map((e) => [e.type, e.id, e.time, e.detail])).toEqual([
      [
        "trial.will_end",
        "trial.will_end:c:2026-01-15T00:00:00.000Z",
        "2026-01-12T00:00:00.000Z",
        {
          customerId: "c",
          planCode: "pro",
          trialStart: "2026-01-01T00:00:00.000Z",
          trialEnd: "2026-01-15T00:00:00.000Z",
        },
      ],
    ]);

    expect(await sweep("2026-01-15T00:00:00Z")).toBe(1);
    expect(await sweep("2026-01-16T00:00:00Z")).toBe(0);
    expect(await invoices("c")).toEqual([
      {
        total: "99.00",
        lines: [
          {
            kind: "BASE_FEE",
            amount: "99.00",
            periodStart: "2026-01-15T00:00:00.000Z",
            periodEnd: "2026-02-15T00:00:00.000Z",
          },
        ],
      },
    ]);
    expect(await subscription("c")).toEqual({
      status: "ACTIVE",
      trialEnd: "2026-01-15T00:00:00.000Z",
      currentPeriodStart: "2026-01-15T00:00:00.000Z",
      currentPeriodEnd: "2026-02-15T00:00:00.000Z",
      plan: { code: "pro" },
    });
    // A paid period: the usage restarted, and overage is billed, not blocked.
    expect((await track("c", "101", "t3")).errors).toBeUndefined();
    expect(events("c")).toEqual([
      "subscription.created 2026-01-01T00:00:00.000Z",
      "trial.will_end 2026-01-12T00:00:00.000Z",
      "invoice.created 2026-01-15T00:00:00.000Z",
      "trial.ended 2026-01-15T00:00:00.000Z",
      "subscription.renewed 2026-01-15T00:00:00.000Z",
    ]);
    expect(trialEvents("c").at(-1)!.detail).toMatchObject({
      outcome: "CONVERTED",
      endedAt: "2026-01-15T00:00:00.000Z",
    });
  });

  it("lazily: the first write after the end bills it, and a sweep after that finds nothing", async () => {
    await f.customer("c");
    await subscribe("c", "pro");
    await api.ok(`mutation { advanceClock(to: "2026-01-20T00:00:00Z") }`);
    expect((await track("c", "150", "late")).errors).toBeUndefined();
    expect(await api.ok("mutation { closeDuePeriods }")).toEqual({ closeDuePeriods: 0 });
    expect((await invoices("c")).map((i: { total: string }) => i.total)).toEqual(["99.00"]);
    expect(events("c").filter((e) => e.startsWith("trial."))).toEqual([
      "trial.will_end 2026-01-12T00:00:00.000Z",
      "trial.ended 2026-01-15T00:00:00.000Z",
    ]);
  });
});

describe("other trials", () => {
  it("a trial shorter than 3 days reminds at once, and ends once", async () => {
    await f.customer("c");
    expect((await subscribe("c", "pro", ", trialDays: 2")).data.subscribe.trialEnd).toBe("2026-01-03T00:00:00.000Z");
    expect(trialEvents("c").map((e) => `${e.type} ${e.time}`)).toEqual(["trial.will_end 2026-01-01T00:00:00.000Z"]);
    await sweep("2026-01-03T00:00:00Z");
    await sweep("2026-01-05T00:00:00Z");
    expect(trialEvents("c").map((e) => `${e.type} ${e.time}`)).toEqual([
      "trial.will_end 2026-01-01T00:00:00.000Z",
      "trial.ended 2026-01-03T00:00:00.000Z",
    ]);
    expect((await invoices("c")).map((i: { total: string }) => i.total)).toEqual(["99.00"]);
  });

  it("CREDITS: the trial grants the credits once; BALANCE: the allowance, and spending stops at zero", async () => {
    await f.customer("k");
    await subscribe("k", "creator");
    expect((await f.wallet("k")).credits).toBe("1000");
    expect((await track("k", "100", "k1", "images")).errors).toBeUndefined();
    expectError(await track("k", "1", "k2", "images"), "INSUFFICIENT_CREDITS");
    await f.customer("w");
    await subscribe("w", "wallet", ", trialDays: 5");
    expect((await f.wallet("w")).balance).toBe("25.00");
    expect((await track("w", "2500", "w1")).errors).toBeUndefined();
    expectError(await track("w", "1", "w2"), "INSUFFICIENT_BALANCE");
    await sweep("2026-01-08T00:00:00Z");
    expect((await f.wallet("k")).credits).toBe("1000"); // the first paid period's grant
    expect((await invoices("k")).map((i: { total: string }) => i.total)).toEqual(["49.00"]);
    expect((await invoices("w")).map((i: { total: string }) => i.total)).toEqual(["25.00"]);
  });

  it("adjustUsage raising usage in a trial meets the trial's guards, like a track of the same units", async () => {
    const adjust = (c: string, delta: string, key: string) =>
      api.gql(
        `mutation($c: ID!, $d: Decimal!, $k: ID!) { adjustUsage(customerId: $c, feature: "api_calls", delta: $d, reason: "missed events", idempotencyKey: $k) { used } }`,
        { c, d: delta, k: key },
      );
    await f.customer("m");
    await subscribe("m", "pro");
    await track("m", "90", "m1");
    expectError(await adjust("m", "11", "m2"), "LIMIT_REACHED"); // beyond the 100 included: overage
    expect((await adjust("m", "10", "m3")).data.adjustUsage).toEqual({ used: "100" });
    await f.customer("w");
    await subscribe("w", "wallet", ", trialDays: 5");
    await track("w", "2000", "w1"); // $20.00 of the $25.00 allowance
    expectError(await adjust("w", "501", "w2"), "INSUFFICIENT_BALANCE"); // $5.01: below zero
    expect((await adjust("w", "500", "w3")).data.adjustUsage).toEqual({ used: "2500" });
    expect((await f.wallet("w")).balance).toBe("0.00");
    await sweep("2026-01-20T00:00:00Z");
    // The trials' ends bill the first paid periods' base fees, and no overage.
    expect((await invoices("m")).map((i: { total: string }) => i.total)).toEqual(["99.00"]);
    expect((await invoices("w")).map((i: { total: string }) => i.total)).toEqual(["25.00"]);
  });

  it("cancelling during a trial invoices nothing, now or at its end", async () => {
    await f.customer("a");
    await f.customer("b");
    await subscribe("a", "pro");
    await subscribe("b", "pro");
    await track("a", "60", "a1");
    await api.ok(`mutation { cancelSubscription(customerId: "a", timing: IMMEDIATE, prorate: true) { status } }`);
    await api.ok(`mutation { cancelSubscription(customerId: "b") { status } }`);
    await sweep("2026-01-20T00:00:00Z");
    expect(await invoices("a")).toEqual([]);
    expect(await invoices("b")).toEqual([]);
    expect((await subscription("b")).status).toBe("CANCELED");
    expect(trialEvents("a").map((e) => e.detail.outcome)).toEqual(["CANCELED"]);
    expect(trialEvents("b").map((e) => e.detail.outcome)).toEqual([undefined, "CANCELED"]); // will_end, then ended
  });

  it("skipTrial bills at once; a returning customer gets the plan's trial no more; an immediate plan change ends it", async () => {
    await f.customer("s");
    expect((await subscribe("s", "pro", ", skipTrial: true")).data.subscribe.status).toBe("ACTIVE");
    expect((await invoices("s")).map((i: { total: string }) => i.total)).toEqual(["99.00"]);
    await api.ok(`mutation { cancelSubscription(customerId: "s", timing: IMMEDIATE) { status } }`);
    expect((await subscribe("s", "pro")).data.subscribe.status).toBe("ACTIVE");
    await f.customer("x");
    expectError(await subscribe("x", "pro", ", trialDays: 731"), "BAD_USER_INPUT");
    await subscribe("x", "pro");
    await api.ok(`mutation { advanceClock(to: "2026-01-05T00:00:00Z") }`);
    await api.ok(`mutation { changePlan(customerId: "x", planCode: "wallet", timing: IMMEDIATE) { status } }`);
    expect(await invoices("x")).toEqual([
      {
        total: "25.00",
        lines: [
          {
            kind: "BASE_FEE",
            amount: "25.00",
            periodStart: "2026-01-05T00:00:00.000Z",
            periodEnd: "2026-02-05T00:00:00.000Z",
          },
        ],
      },
    ]);
    expect(trialEvents("x").map((e) => e.detail.outcome)).toEqual(["CONVERTED"]);
  });
});

describe("reservations in a trial: a settle is capped like a blocking plan's (a trial bills no overage)", () => {
  const reserve = async (customerId: string, feature: string, key: string, value: string) => {
    const r = await api.gql(`mutation($i: ReserveUsageInput!) { reserveUsage(input: $i) { id } }`, {
      i: { customerId, feature, idempotencyKey: key, value },
    });
    expect(r.errors).toBeUndefined();
    return r.data.reserveUsage.id as string;
  };
  const settle = async (id: string, value: string) =>
    (
      await api.ok(
        `mutation($id: ID!, $v: Decimal!) { settleReservation(id: $id, input: { value: $v }) {
          capped event { value cost credits } entitlement { allowed used remaining credits balance } } }`,
        { id, v: value },
      )
    ).settleReservation;
  const used = async (c: string) => (await f.usage(c)).map((u: { used: string }) => u.used);
  const held = async (c: string) =>
    (await api.ok(`query($c: ID!) { customer(id: $c) { wallet { credits heldCredits balance heldAmount } } }`, { c }))
      .customer.wallet;

  it("METERED: units are counted up to included, the rest capped; the event keeps them all; the trial's end bills no overage", async () => {
    await f.customer("m");
    await subscribe("m", "pro"); // 14-day trial, 100 included
    expect((await track("m", "60", "m1")).errors).toBeUndefined();
    const id = await reserve("m", "api_calls", "job", "30"); // the counter stores 90
    expect(await settle(id, "55")).toEqual({
      capped: true,
      event: { value: "55", cost: null, credits: null },
      entitlement: { allowed: false, used: "100", remaining: "0", credits: null, balance: null },
    });
    expect(await used("m")).toEqual(["100"]);
    await sweep("2026-01-16T00:00:00Z");
    expect((await invoices("m")).map((i: { total: string }) => i.total)).toEqual(["99.00"]);
  });

  it("METERED: within the hold and what included has left, all of it, not capped", async () => {
    await f.customer("n");
    await subscribe("n", "pro");
    const id = await reserve("n", "api_calls", "job", "30");
    expect((await settle(id, "45")).capped).toBe(false);
    expect(await used("n")).toEqual(["45"]);
  });

  it("CREDITS: as outside a trial, the hold and the credits left are burned, the rest capped", async () => {
    await f.customer("k");
    await subscribe("k", "creator"); // 7-day trial, 1000 credits, 10 an image
    expect((await track("k", "50", "k1", "images")).errors).toBeUndefined();
    const id = await reserve("k", "images", "job", "30"); // 300 held, 200 available
    expect(await settle(id, "60")).toEqual({
      capped: true,
      event: { value: "60", cost: null, credits: "500" },
      entitlement: { allowed: false, used: "110", remaining: null, credits: "0", balance: null },
    });
    expect(await held("k")).toEqual({ credits: "0", heldCredits: "0", balance: null, heldAmount: null });
  });

  it("BALANCE (not blocking): down to a zero balance, the rest capped; the trial's end bills no overage", async () => {
    await f.customer("w");
    await subscribe("w", "wallet", ", trialDays: 5"); // $25 allowance, $0.01 a call
    expect((await track("w", "1000", "w1")).errors).toBeUndefined(); // $10
    const id = await reserve("w", "api_calls", "job", "1000"); // $10 held, $5 left
    expect(await settle(id, "2000")).toEqual({
      capped: true,
      event: { value: "2000", cost: "15.00", credits: null },
      entitlement: { allowed: false, used: "3000", remaining: null, credits: null, balance: "0.00" },
    });
    expect(await held("w")).toEqual({ credits: null, heldCredits: null, balance: "0.00", heldAmount: "0.00" });
    expect(await f.wallet("w")).toMatchObject({ spent: "25.00", overage: "0.00" });
    await sweep("2026-01-07T00:00:00Z");
    expect((await invoices("w")).map((i: { total: string }) => i.total)).toEqual(["25.00"]);
  });
  it("BALANCE (not blocking): an open hold counts against the trial's balance, for tracks and reserves alike", async () => {
    await f.customer("h");
    await subscribe("h", "wallet", ", trialDays: 5"); // $25 allowance, $0.01 a call
    await reserve("h", "api_calls", "job", "1000"); // $10 held, $15 available
    const refused = await track("h", "1501", "h1"); // $15.01: within $25, beyond what the hold leaves
    expect(refused.errors?.[0]?.extensions?.code).toBe("INSUFFICIENT_BALANCE");
    const second = await api.gql(`mutation($i: ReserveUsageInput!) { reserveUsage(input: $i) { id } }`, {
      i: { customerId: "h", feature: "api_calls", idempotencyKey: "job2", value: "1501" },
    });
    expect(second.errors?.[0]?.extensions?.code).toBe("INSUFFICIENT_BALANCE");
    expect((await track("h", "1500", "h2")).errors).toBeUndefined(); // exactly the $15 left
    expect(await held("h")).toEqual({ credits: null, heldCredits: null, balance: "0.00", heldAmount: "10.00" });
  });
});
