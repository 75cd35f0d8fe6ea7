/**
 * Coupons (issue 16, item 2): percentage (basis points) or amount; ONCE, REPEATING, FOREVER; a
 * DISCOUNT line of the base fee only, never below zero; maxRedemptions exact under concurrency;
 * expiresAt ends new redemptions only; planCodes restricts.
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
    features: { api_calls: "METERED", sso: "BOOLEAN" },
    plans: {
      access: { model: "METERED", basePrice: "30", features: [{ feature: "sso" }] },
      pro: {
        model: "METERED",
        basePrice: "99",
        features: [{ feature: "api_calls", included: "100", overagePrice: "0.5" }],
      },
    },
  }));
});
afterEach(() => api.close());

const COUPON =
  "code percentOffBps amountOff currency duration durationCycles maxRedemptions redemptions expiresAt planCodes archived";
const create = (input: Record<string, unknown>) =>
  api.gql(`mutation($i: CreateCouponInput!) { createCoupon(input: $i) { ${COUPON} } }`, {
    i: { name: String(input.code), ...input },
  });
const coupon = async (code: string) =>
  (await api.ok(`{ coupons(includeArchived: true) { ${COUPON} } }`)).coupons.find(
    (c: { code: string }) => c.code === code,
  );
const subscribeWith = (c: string, p: string, code: string) =>
  api.gql(`mutation { subscribe(customerId: "${c}", planCode: "${p}", couponCode: "${code}") { status } }`);
const apply = (c: string, code: string) =>
  api.gql(
    `mutation { applyCoupon(customerId: "${c}", couponCode: "${code}") { coupon { coupon { code } remainingCycles } } }`,
  );
const held = async (c: string) =>
  (await api.ok(`{ customer(id: "${c}") { subscription { coupon { coupon { code } remainingCycles } } } }`)).customer
    .subscription.coupon;
/** Moves the clock and runs the sweeper, as the scheduled function would. */
const advance = async (to: string) => {
  await api.ok(`mutation { advanceClock(to: "${to}") }`);
  await api.ok("mutation { closeDuePeriods }");
};
const newest = async (c: string) => {
  const [invoice] = await f.invoices(c);
  return [invoice.total, ...invoice.lines.map((l: { kind: string; amount: string }) => `${l.kind} ${l.amount}`)];
};

describe("createCoupon", () => {
  it("refuses a coupon that is not one thing, by field, and writes nothing", async () => {
    for (const [input, words] of [
      [{ code: "a", duration: "ONCE" }, "exactly one of input.percentOffBps and input.amountOff"],
      [{ code: "a", duration: "ONCE", percentOffBps: 10, amountOff: "1" }, "exactly one"],
      [{ code: "a", duration: "ONCE", percentOffBps: 10001 }, "percentOffBps"],
      [{ code: "a", duration: "ONCE", amountOff: "1.005" }, "input.amountOff"],
      [{ code: "a", duration: "REPEATING", percentOffBps: 10 }, "input.durationCycles is required"],
      [{ code: "a", duration: "FOREVER", percentOffBps: 10, durationCycles: 2 }, "input.durationCycles applies"],
      [{ code: "a", duration: "ONCE", percentOffBps: 10, expiresAt: "2025-12-31T00:00:00Z" }, "input.expiresAt"],
      [{ code: "a", duration: "ONCE", percentOffBps: 10, planCodes: ["nope"] }, 'plan "nope"'],
    ] as const) {
      const response = await create(input);
      expectError(response, "BAD_USER_INPUT");
      expect(response.errors![0]!.message).toContain(words);
    }
    expect((await api.ok("{ coupons(includeArchived: true) { code } }")).coupons).toEqual([]);
    await create({ code: "a", duration: "ONCE", percentOffBps: 10 });
    expectError(await create({ code: "a", duration: "ONCE", percentOffBps: 10 }), "ALREADY_EXISTS");
  });
});

describe("discounts", () => {
  it("25% ONCE at subscribe: a DISCOUNT line of the first base fee only, then the coupon is used up", async () => {
    await create({ code: "launch", duration: "ONCE", percentOffBps: 2500 });
    await f.customer("c");
    expect((await subscribeWith("c", "access", "launch")).errors).toBeUndefined();
    expect(await newest("c")).toEqual(["22.50", "BASE_FEE 30.00", "DISCOUNT -7.50"]);
    expect(await held("c")).toBeNull();
    expect((await coupon("launch")).redemptions).toBe(1);
    await advance("2026-02-01T00:00:00Z");
    expect(await newest("c")).toEqual(["30.00", "BASE_FEE 30.00"]);
  });

  it("REPEATING $10 off for 2 invoices, applied mid-period: the next two base fees, never overage", async () => {
    await create({ code: "two", duration: "REPEATING", durationCycles: 2, amountOff: "10" });
    await f.customerOn("c", "pro");
    expect((await apply("c", "two")).data.applyCoupon.coupon).toEqual({ coupon: { code: "two" }, remainingCycles: 2 });
    await f.track({ customerId: "c", feature: "api_calls", value: "120", idempotencyKey: "u1" });
    await advance("2026-02-01T00:00:00Z");
    expect(await newest("c")).toEqual(["99.00", "OVERAGE 10.00", "BASE_FEE 99.00", "DISCOUNT -10.00"]);
    expect(await held("c")).toEqual({ coupon: { code: "two" }, remainingCycles: 1 });
    await advance("2026-03-01T00:00:00Z");
    expect(await newest("c")).toEqual(["89.00", "BASE_FEE 99.00", "DISCOUNT -10.00"]);
    expect(await held("c")).toBeNull();
    await advance("2026-04-01T00:00:00Z");
    expect(await newest("c")).toEqual(["99.00", "BASE_FEE 99.00"]);
  });

  it("an amount larger than the base fee stops at zero; FOREVER keeps discounting", async () => {
    await create({ code: "big", duration: "FOREVER", amountOff: "50" });
    await f.customer("c");
    await subscribeWith("c", "access", "big");
    expect(await newest("c")).toEqual(["0.00", "BASE_FEE 30.00", "DISCOUNT -30.00"]);
    await advance("2026-03-01T00:00:00Z");
    expect(await newest("c")).toEqual(["0.00", "BASE_FEE 30.00", "DISCOUNT -30.00"]);
    expect((await f.invoices("c")).map((i: { status: string }) => i.status)).toEqual(["PAID", "PAID", "PAID"]);
    expect(await held("c")).toEqual({ coupon: { code: "big" }, remainingCycles: null });
  });

  it("a proration credits the unused part of what was billed: 50% off 99.00, 21 of 31 days left = 33.53", async () => {
    await create({ code: "half", duration: "FOREVER", percentOffBps: 5000, planCodes: ["pro"] });
    await f.customer("c");
    await subscribeWith("c", "pro", "half");
    expect(await newest("c")).toEqual(["49.50", "BASE_FEE 99.00", "DISCOUNT -49.50"]);
    await api.ok(`mutation { advanceClock(to: "2026-01-11T00:00:00Z") }`);
    // 49.50 x 21/31 = 33.532258...; access is not in planCodes: its base fee is not discounted.
    await api.ok(`mutation { changePlan(customerId: "c", planCode: "access", timing: IMMEDIATE) { status } }`);
    expect(await newest("c")).toEqual(["0.00", "PRORATION -33.53", "BASE_FEE 30.00"]);
    expect(await held("c")).toEqual({ coupon: { code: "half" }, remainingCycles: null });
    expect((await api.ok(`{ customer(id: "c") { accountCredit } }`)).customer.accountCredit).toBe("3.53");
  });
});

describe("redemptions", () => {
  it("planCodes, expiresAt and archive stop new redemptions; a holder keeps its discount; applying twice counts once", async () => {
    await create({ code: "pro-only", duration: "FOREVER", percentOffBps: 1000, planCodes: ["pro"] });
    await create({ code: "soon", duration: "FOREVER", percentOffBps: 1000, expiresAt: "2026-01-15T00:00:00Z" });
    await f.customerOn("a", "access");
    await f.customerOn("b", "access");
    await f.customerOn("c", "access");
    expectError(await apply("a", "pro-only"), "BAD_USER_INPUT");
    expect((await apply("a", "soon")).errors).toBeUndefined();
    expect((await apply("a", "soon")).errors).toBeUndefined();
    expect((await coupon("soon")).redemptions).toBe(1);
    await api.ok(`mutation { advanceClock(to: "2026-01-15T00:00:00Z") }`);
    const late = await apply("b", "soon");
    expectError(late, "BAD_USER_INPUT");
    expect(late.errors![0]!.message).toContain("expired");
    await api.ok(`mutation { archiveCoupon(code: "pro-only") { archived } }`);
    expectError(await apply("c", "pro-only"), "BAD_USER_INPUT");
    expect((await api.ok("{ coupons { code } }")).coupons).toEqual([{ code: "soon" }]);
    expectError(await apply("c", "nope"), "NOT_FOUND");
    await advance("2026-02-01T00:00:00Z");
    expect(await newest("a")).toEqual(["27.00", "BASE_FEE 30.00", "DISCOUNT -3.00"]);
    await api.ok(`mutation { removeCoupon(customerId: "a") { status } }`);
    await advance("2026-03-01T00:00:00Z");
    expect(await newest("a")).toEqual(["30.00", "BASE_FEE 30.00"]);
  });

  it("50 customers redeem the last one at once: exactly one gets it", async () => {
    await create({ code: "last", duration: "ONCE", percentOffBps: 5000, maxRedemptions: 3 });
    for (const c of ["x", "y"]) {
      await f.customer(c);
      await subscribeWith(c, "access", "last");
    }
    const ids = Array.from({ length: 50 }, (_, i) => `r${i}`);
    for (const id of ids) await f.customerOn(id, "access");
    const answers = await Promise.all(ids.map((id) => apply(id, "last")));
    expect(answers.filter((a) => !a.errors)).toHaveLength(1);
    for (const a of answers.filter((a) => a.errors)) expectError(a, "BAD_USER_INPUT");
    expect((await coupon("last")).redemptions).toBe(3);
    const holders = await Promise.all(ids.map(held));
    expect(holders.filter((h) => h !== null)).toHaveLength(1);
  });
});
