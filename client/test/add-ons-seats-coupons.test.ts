/**
 * The client's add-on, seat, quota and coupon methods against the real API over HTTP: what they
 * return (money as exact decimal strings), the keys they generate and reuse on a retry, the typed
 * errors they throw, and a lost answer to createAddOn / createCoupon reconciled.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type BillingClient, type BillingError, createBillingClient, isBillingError } from "../src/index.js";
import { fixtures } from "../../test/support/fixtures";
import { startTestApi, TEST_KEY, type TestApi } from "../../test/support/server";
import { type DroppingProxy, startDroppingProxy } from "./support/proxy";

let api: TestApi;
let f: ReturnType<typeof fixtures>;
let client: BillingClient;
let proxy: DroppingProxy | undefined;
/** The operation of each request the client sent. */
const sent: string[] = [];

const countingFetch: typeof fetch = async (input, init) => {
  sent.push(/^(?:query|mutation) (\w+)/.exec(JSON.parse(String(init?.body)).query)?.[1] ?? "?");
  return fetch(input, init);
};

beforeAll(async () => {
  api = await startTestApi(); // 2026-01-01T00:00:00Z; a month is 31 days
  f = fixtures(api);
  await f.features({ api_calls: "METERED", sso: "BOOLEAN", editors: "SEATS", projects: "QUOTA" });
  await f.plan({
    code: "team",
    model: "METERED",
    basePrice: "31",
    features: [
      { feature: "api_calls", included: "100", overagePrice: "0.01" },
      { feature: "editors", included: "3", overagePrice: "31", limit: "10" },
      { feature: "projects", included: "5", overagePrice: "2" },
    ],
  });
  client = createBillingClient({ url: api.url, apiKey: TEST_KEY, fetch: countingFetch });
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});
afterAll(() => api?.close());

async function refusal(promise: Promise<unknown>): Promise<BillingError> {
  const error = await promise.then(
    () => undefined,
    (e) => e,
  );
  expect(isBillingError(error), String(error)).toBe(true);
  return error as BillingError;
}

const lines = async (customerId: string) =>
  (await client.invoices.list(customerId)).map((i) => [i.lines.map((l) => `${l.kind} ${l.amount}`), i.total]);

describe("addOns", () => {
  it("creates, lists, attaches once per key (pro rata, account credit applied) and detaches", async () => {
    const sso = await client.addOns.create({ code: "sso", name: "SSO", feature: "sso", price: 31 });
    expect(sso).toEqual({
      code: "sso",
      name: "SSO",
      feature: "sso",
      price: "31.00",
      currency: "USD",
      grants: null,
      archived: false,
    });
    const calls = await client.addOns.create({
      code: "calls_1k",
      name: "1,000 calls",
      feature: "api_calls",
      price: "5",
      grants: "1000",
    });
    expect([calls.price, calls.grants]).toEqual(["5.00", "1000"]);
    expect((await client.addOns.list()).map((a) => a.code)).toEqual(["calls_1k", "sso"]);
    // A code taken: refused as it is (a first attempt is never reconciled).
    expect((await refusal(client.addOns.create({ code: "sso", name: "SSO", feature: "sso", price: 31 }))).code).toBe(
      "ALREADY_EXISTS",
    );

    await f.customerOn("c-addon", "team");
    await api.ok(
      `mutation { grantAccountCredit(customerId: "c-addon", amount: "10", reason: "goodwill", idempotencyKey: "g") { id } }`,
    );
    await f.advanceClock("2026-01-16T00:00:00Z");
    sent.length = 0;
    const attached = await client.addOns.attach({ customerId: "c-addon", addOnCode: "sso", idempotencyKey: "a-1" });
    expect(attached).toEqual({
      status: "ACTIVE",
      currentPeriodStart: "2026-01-01T00:00:00.000Z",
      currentPeriodEnd: "2026-02-01T00:00:00.000Z",
      cancelAtPeriodEnd: false,
      plan: { code: "team", name: "team", model: "METERED" },
      scheduledPlan: null,
      addOns: [
        {
          code: "sso",
          name: "SSO",
          feature: "sso",
          price: "31.00",
          currency: "USD",
          grants: null,
          quantity: 1,
          endsAt: null,
        },
      ],
      coupon: null,
    });
    // The same key again: the same subscription, nothing more billed. 16 of 31 days: $16.00, $10.00 of it by credit.
    expect(await client.addOns.attach({ customerId: "c-addon", addOnCode: "sso", idempotencyKey: "a-1" })).toEqual(
      attached,
    );
    expect(sent).toEqual(["AttachAddOn", "AttachAddOn"]);
    // A generated key: 2 x $5 x 16/31 = 5.161290... -> $5.16.
    const two = await client.addOns.attach({ customerId: "c-addon", addOnCode: "calls_1k", quantity: 2 });
    // In the order attached; both at one instant of the test clock, so by code (as every read lists them).
    expect(two.addOns.map((a) => [a.code, a.quantity])).toEqual([
      ["calls_1k", 2],
      ["sso", 1],
    ]);
    expect(await lines("c-addon")).toEqual([
      [["ADD_ON 5.16"], "5.16"],
      [["ADD_ON 16.00", "ACCOUNT_CREDIT -10.00"], "6.00"],
      [["BASE_FEE 31.00"], "31.00"],
    ]);
    const detached = await client.addOns.detach({ customerId: "c-addon", addOnCode: "sso" });
    // In the order attached; both at one instant here, so by code.
    expect(detached.addOns.map((a) => [a.code, a.endsAt])).toEqual([
      ["calls_1k", null],
      ["sso", "2026-02-01T00:00:00.000Z"],
    ]);
    expect(await client.addOns.detach({ customerId: "c-addon", addOnCode: "sso" })).toEqual(detached);
    const error = await refusal(client.addOns.detach({ customerId: "c-addon", addOnCode: "nope" }));
    expect([error.code, error.retryable]).toEqual(["NOT_FOUND", false]);
  });
});

describe("seats and quotas", () => {
  it("sets seats and adjusts a quota once per key, with typed refusals", async () => {
    await f.customerOn("c-levels", "team");
    sent.length = 0;
    const seats = await client.seats.set({
      customerId: "c-levels",
      feature: "editors",
      count: 5,
      idempotencyKey: "s-1",
    });
    expect(seats).toEqual({
      feature: { code: "editors", name: "editors", unit: null },
      used: "5",
      current: "5",
      peak: "5",
      included: "3",
      overage: "2",
      cost: "62.00",
    });
    expect(
      await client.seats.set({ customerId: "c-levels", feature: "editors", count: "5", idempotencyKey: "s-1" }),
    ).toEqual(seats);
    const fewer = await client.seats.set({ customerId: "c-levels", feature: "editors", count: "4" });
    expect([fewer.current, fewer.peak]).toEqual(["4", "5"]);
    expect(sent).toEqual(["SetSeats", "SetSeats", "SetSeats"]);
    expect(await lines("c-levels")).toEqual([
      [["SEATS 62.00"], "62.00"],
      [["BASE_FEE 31.00"], "31.00"],
    ]);
    const over = await refusal(client.seats.set({ customerId: "c-levels", feature: "editors", count: 11 }));
    expect([over.code, over.message]).toEqual([
      "LIMIT_REACHED",
      'count 11 would take "editors" to 11, above its limit of 10',
    ]);

    const quota = await client.quotas.adjust({
      customerId: "c-levels",
      feature: "projects",
      delta: 7,
      idempotencyKey: "q-1",
    });
    expect(quota).toEqual({
      feature: { code: "projects", name: "projects", unit: null },
      used: "7",
      current: "7",
      peak: "7",
      included: "5",
      overage: "2",
      cost: "4.00",
    });
    const lower = await client.quotas.adjust({ customerId: "c-levels", feature: "projects", delta: "-2" });
    expect([lower.current, lower.peak]).toEqual(["5", "7"]);
    const below = await refusal(client.quotas.adjust({ customerId: "c-levels", feature: "projects", delta: -6 }));
    expect(below.code).toBe("BAD_USER_INPUT");
    const wrongKind = await refusal(client.quotas.adjust({ customerId: "c-levels", feature: "editors", delta: 1 }));
    expect(wrongKind.code).toBe("BAD_USER_INPUT");
  });
});

describe("coupons", () => {
  it("creates, lists, applies, removes and archives coupons", async () => {
    const half = await client.coupons.create({
      code: "HALF",
      name: "Half off",
      percentOffBps: 5000,
      duration: "REPEATING",
      durationCycles: 2,
      expiresAt: new Date("2026-06-01T00:00:00Z"),
    });
    expect(half).toEqual({
      code: "HALF",
      name: "Half off",
      percentOffBps: 5000,
      amountOff: null,
      currency: "USD",
      duration: "REPEATING",
      durationCycles: 2,
      maxRedemptions: null,
      redemptions: 0,
      expiresAt: "2026-06-01T00:00:00.000Z",
      planCodes: [],
      archived: false,
    });
    const tenOff = await client.coupons.create({ code: "TEN", name: "$10 off", amountOff: "10", duration: "ONCE" });
    expect([tenOff.amountOff, tenOff.percentOffBps]).toEqual(["10.00", null]);
    const bad = await refusal(client.coupons.create({ code: "BOTH", name: "both", duration: "ONCE" }));
    expect([bad.code, bad.message]).toEqual([
      "BAD_USER_INPUT",
      "exactly one of input.percentOffBps and input.amountOff is required",
    ]);

    await f.customerOn("c-coupon", "team");
    const applied = await client.coupons.apply({ customerId: "c-coupon", couponCode: "HALF" });
    expect(applied.coupon).toEqual({
      remainingCycles: 2,
      coupon: {
        code: "HALF",
        name: "Half off",
        percentOffBps: 5000,
        amountOff: null,
        currency: "USD",
        duration: "REPEATING",
        durationCycles: 2,
      },
    });
    // The coupon it holds again: nothing changes, no second redemption.
    expect((await client.coupons.apply({ customerId: "c-coupon", couponCode: "HALF" })).coupon).toEqual(applied.coupon);
    expect((await client.coupons.list()).map((c) => [c.code, c.redemptions])).toEqual([
      ["HALF", 1],
      ["TEN", 0],
    ]);
    expect((await client.coupons.remove({ customerId: "c-coupon" })).coupon).toBeNull();
    expect((await client.coupons.remove({ customerId: "c-coupon" })).coupon).toBeNull();

    expect((await client.coupons.archive("TEN")).archived).toBe(true);
    expect((await client.coupons.archive("TEN")).archived).toBe(true);
    expect((await client.coupons.list()).map((c) => c.code)).toEqual(["HALF"]);
    expect((await client.coupons.list({ includeArchived: true })).map((c) => c.code)).toEqual(["HALF", "TEN"]);
    const archived = await refusal(client.coupons.apply({ customerId: "c-coupon", couponCode: "TEN" }));
    expect(archived.code).toBe("BAD_USER_INPUT");
    expect((await refusal(client.coupons.archive("NOPE"))).code).toBe("NOT_FOUND");
  });
});

describe("a lost answer", () => {
  /** A client through a proxy that drops the answers to the requests `drop` names. */
  async function through(drop: (n: number) => boolean) {
    proxy = await startDroppingProxy(api.url, drop);
    return createBillingClient({ url: proxy.url, apiKey: TEST_KEY, retry: { baseDelayMs: 5, maxDelayMs: 20 } });
  }

  it("to createAddOn and createCoupon is reconciled when the stored item is the one asked for, and refused otherwise", async () => {
    const lossy = await through((n) => n === 1 || n === 4);
    // 1 dropped, 2 ALREADY_EXISTS, 3 the reconciling read.
    const addOn = await lossy.addOns.create({ code: "audit", name: "Audit", feature: "sso", price: "12.5" });
    expect([addOn.code, addOn.price]).toEqual(["audit", "12.50"]);
    // 4 dropped, 5 ALREADY_EXISTS, 6 the reconciling read.
    const coupon = await lossy.coupons.create({ code: "LOST", name: "Lost", amountOff: 3, duration: "FOREVER" });
    expect([coupon.code, coupon.amountOff, coupon.duration]).toEqual(["LOST", "3.00", "FOREVER"]);
    expect(proxy!.bodies).toHaveLength(6);
    // Another add-on under a taken code, its first answer lost: the stored one differs, the refusal is thrown.
    await proxy!.close();
    const other = await through((n) => n === 1);
    const error = await refusal(other.addOns.create({ code: "audit", name: "Audit", feature: "sso", price: "13" }));
    expect(error.code).toBe("ALREADY_EXISTS");
  });

  it("to attachAddOn and setSeats is retried with the same key and billed once", async () => {
    await f.customerOn("c-lost", "team");
    const lossy = await through((n) => n === 1 || n === 3);
    await lossy.addOns.attach({ customerId: "c-lost", addOnCode: "sso" });
    await lossy.seats.set({ customerId: "c-lost", feature: "editors", count: 4 });
    expect(proxy!.bodies).toHaveLength(4);
    expect(proxy!.bodies[1]).toBe(proxy!.bodies[0]);
    expect(proxy!.bodies[3]).toBe(proxy!.bodies[2]);
    expect((await lines("c-lost")).length).toBe(3);
  });
});
