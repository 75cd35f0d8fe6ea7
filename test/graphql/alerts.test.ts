/**
 * Usage thresholds and custom alerts: the built-in ones
 * fire once per period per threshold, re-arm at the next period or when funds arrive, a burst fires
 * one event for the highest; custom alerts fire alert.triggered. Each is decided in the transaction
 * that crosses it: many concurrent writes crossing one threshold fire it exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { expectError, type Fixtures } from "../support/fixtures";
import { PLANS, scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

beforeAll(async () => {
  ({ api, f } = await scenario({
    features: { api_calls: "METERED", images: "METERED", seats: "SEATS", projects: "QUOTA" },
    plans: PLANS,
    packs: { "pack-100": { credits: "100", price: "10" } },
  }));
});
afterAll(() => api?.close());

/** The events published so far of `customerId` whose type is one of the thresholds', in order. */
const fired = (customerId: string) =>
  api.deps.publisher.published
    .filter((e) => /\.low$|threshold_reached|alert\.triggered/.test(e.type))
    .filter((e) => e.detail.customerId === customerId || (e.detail.alert as any)?.customerId === customerId)
    .map((e) => ({ id: e.id, type: e.type, data: e.detail }));

/** Subscribes a new customer now and answers its period's start (the clock moves between tests). */
const customerOn = async (id: string, plan: string): Promise<string> => {
  await f.customerOn(id, plan);
  return (await api.ok(`query($c: ID!) { customer(id: $c) { subscription { currentPeriodStart } } }`, { c: id }))
    .customer.subscription.currentPeriodStart;
};

const track = async (customerId: string, feature: string, key: string, value: string) => {
  const r = await f.track({ customerId, feature, idempotencyKey: key, value });
  expect(r.errors).toBeUndefined();
};

const alert = async (input: Record<string, unknown>) =>
  (
    await api.ok(
      `mutation($i: CreateUsageAlertInput!) { createUsageAlert(input: $i) { id customerId feature metric threshold recurrence lastTriggeredAt archived } }`,
      { i: input },
    )
  ).createUsageAlert;

const alertsOf = async (customerId: string) =>
  (
    await api.ok(
      `query($c: ID!) { customer(id: $c) { usageAlerts { id metric threshold recurrence lastTriggeredAt archived } } }`,
      { c: customerId },
    )
  ).customer.usageAlerts;

describe("usage.threshold_reached (METERED, 100 included)", () => {
  it("fires at 80% and at 100%, once each, and again in the next period", async () => {
    const T0 = await customerOn("m1", "metered");
    await track("m1", "api_calls", "a", "79");
    expect(fired("m1")).toEqual([]);
    await track("m1", "api_calls", "b", "1");
    await track("m1", "api_calls", "c", "5");
    expect(fired("m1")).toEqual([
      {
        id: `usage.threshold_reached:m1:api_calls:${T0}:80`,
        type: "usage.threshold_reached",
        data: {
          customerId: "m1",
          feature: "api_calls",
          percent: 80,
          included: "100",
          threshold: "80",
          periodStart: T0,
        },
      },
    ]);
    await track("m1", "api_calls", "d", "15");
    await track("m1", "api_calls", "e", "50");
    expect(fired("m1").map((e) => e.id)).toEqual([
      `usage.threshold_reached:m1:api_calls:${T0}:80`,
      `usage.threshold_reached:m1:api_calls:${T0}:100`,
    ]);
    const next = (await api.ok(`{ customer(id: "m1") { subscription { currentPeriodEnd } } }`)).customer.subscription
      .currentPeriodEnd;
    await f.advanceClock(next);
    await track("m1", "api_calls", "f", "80");
    expect(fired("m1").map((e) => e.id)).toEqual([
      `usage.threshold_reached:m1:api_calls:${T0}:80`,
      `usage.threshold_reached:m1:api_calls:${T0}:100`,
      `usage.threshold_reached:m1:api_calls:${next}:80`,
    ]);
  });

  it("a burst past both thresholds fires one event, for 100%", async () => {
    await customerOn("m2", "metered");
    await track("m2", "api_calls", "a", "10");
    await track("m2", "api_calls", "b", "120");
    await track("m2", "api_calls", "c", "1");
    expect(fired("m2").map((e) => [e.type, e.data.percent])).toEqual([["usage.threshold_reached", 100]]);
  });

  it("200 concurrent tracks crossing 80% fire it exactly once", async () => {
    const T0 = await customerOn("m3", "metered");
    await track("m3", "api_calls", "warm", "70");
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        f.track({ customerId: "m3", feature: "api_calls", idempotencyKey: `k${i}`, value: "0.05" }),
      ),
    );
    expect(results.filter((r) => r.errors)).toEqual([]);
    expect(await f.usage("m3")).toMatchObject([{ used: "80" }]);
    expect(fired("m3").map((e) => e.id)).toEqual([`usage.threshold_reached:m3:api_calls:${T0}:80`]);
    // In the outbox too: nothing left to publish but what was published.
    expect(api.deps.publisher.published.filter((e) => e.id.startsWith("usage.threshold_reached:m3"))).toHaveLength(1);
  });

  it("a batch crossing a threshold fires it once, in its transaction", async () => {
    await customerOn("m4", "metered");
    const inputs = Array.from({ length: 30 }, (_, i) => ({
      customerId: "m4",
      feature: "api_calls",
      idempotencyKey: `b${i}`,
      value: "3",
    }));
    const r = await f.trackBatch(inputs);
    expect(r.data.trackUsageBatch.every((x: { ok: boolean }) => x.ok)).toBe(true);
    expect(fired("m4").map((e) => e.data.percent)).toEqual([80]);
    await f.trackBatch(inputs.map((i) => ({ ...i, idempotencyKey: `again-${i.idempotencyKey}` })));
    expect(fired("m4").map((e) => e.data.percent)).toEqual([80, 100]);
  });
});

describe("credits.low (CREDITS, 100 credits a period, 10 per image)", () => {
  it("fires when credits left fall to 10% and re-arms when a pack arrives", async () => {
    const T0 = await customerOn("c1", "credits");
    await track("c1", "images", "a", "8");
    expect(fired("c1")).toEqual([]);
    await track("c1", "images", "b", "1"); // 10 credits left: 10% of 100
    expect(fired("c1")).toEqual([
      {
        id: `credits.low:c1:${T0}:100`,
        type: "credits.low",
        data: { customerId: "c1", periodStart: T0, granted: "100", threshold: "10" },
      },
    ]);
    await api.ok(
      `mutation { purchaseCreditPack(customerId: "c1", packCode: "pack-100", idempotencyKey: "p1") { credits } }`,
    );
    await track("c1", "images", "c", "8"); // 30 left of 200: not yet low again
    expect(fired("c1")).toHaveLength(1);
    await track("c1", "images", "d", "1"); // 20 left: 10% of 200
    expect(fired("c1").map((e) => e.id)).toEqual([`credits.low:c1:${T0}:100`, `credits.low:c1:${T0}:200:2`]);
  });
});

describe("credits.low and free credits (grantCredits)", () => {
  it("a grant raises what credits.low is a share of and re-arms it, like a pack", async () => {
    const T0 = await customerOn("g1", "credits");
    await track("g1", "images", "a", "9"); // 10 credits left: 10% of 100
    expect(fired("g1").map((e) => e.id)).toEqual([`credits.low:g1:${T0}:100`]);
    await api.ok(
      `mutation { grantCredits(customerId: "g1", credits: "100", reason: "goodwill", idempotencyKey: "g") { credits } }`,
    );
    await track("g1", "images", "b", "8"); // 30 left of 200: not low again yet
    expect(fired("g1")).toHaveLength(1);
    await track("g1", "images", "c", "1"); // 20 left: 10% of 200
    expect(fired("g1")).toEqual([
      expect.objectContaining({ id: `credits.low:g1:${T0}:100` }),
      {
        id: `credits.low:g1:${T0}:200:2`, // its second firing this period (docs/alerts.md)
        type: "credits.low",
        data: { customerId: "g1", periodStart: T0, granted: "200", threshold: "20" },
      },
    ]);
  });
});

describe("balance.low (BALANCE, $100 allowance)", () => {
  it("fires when the balance falls to $10, once", async () => {
    const T0 = await customerOn("b1", "balance");
    await track("b1", "api_calls", "a", "20000"); // $86 spent, $14 left
    expect(fired("b1")).toEqual([]);
    await track("b1", "api_calls", "b", "1000"); // $9.70 left
    await track("b1", "api_calls", "c", "1000");
    expect(fired("b1")).toEqual([
      {
        id: `balance.low:b1:${T0}:100`,
        type: "balance.low",
        data: { customerId: "b1", periodStart: T0, granted: "100.00", threshold: "10.00" },
      },
    ]);
  });

  it("a top-up and its void re-arm it, and each firing has its own id (the void brings back an arming that fired)", async () => {
    const T0 = await customerOn("b2", "balance");
    await track("b2", "api_calls", "a", "21000"); // $90.30 spent, $9.70 left of $100: fires
    await api.ok(`mutation { topUpBalance(customerId: "b2", amount: "100", idempotencyKey: "top-1") { topUps } }`);
    await track("b2", "api_calls", "b", "21000"); // $19.40 left of $200: fires again, re-armed by the top-up
    const { invoices } = (await api.ok(`{ customer(id: "b2") { invoices { number lines { kind } } } }`)).customer;
    const topUp = invoices.find((i: { lines: { kind: string }[] }) => i.lines[0]?.kind === "TOP_UP").number;
    await api.ok(`mutation($i: ID!) { voidInvoice(id: $i) { status } }`, { i: topUp }); // back to $100 granted
    await track("b2", "api_calls", "c", "1"); // below $10 of $100 again: re-armed by the void, fires a third time
    await track("b2", "api_calls", "d", "1");
    expect(fired("b2").map((e) => [e.id, e.data.granted, e.data.threshold])).toEqual([
      [`balance.low:b2:${T0}:100`, "100.00", "10.00"],
      [`balance.low:b2:${T0}:200:2`, "200.00", "20.00"],
      [`balance.low:b2:${T0}:100:3`, "100.00", "10.00"],
    ]);
  });
});

describe("custom alerts", () => {
  it("a USAGE alert fires alert.triggered when reached, once per period", async () => {
    const T0 = await customerOn("u1", "metered");
    const a = await alert({ customerId: "u1", feature: "api_calls", metric: "USAGE", threshold: "50" });
    expect(a).toEqual({
      id: a.id,
      customerId: "u1",
      feature: "api_calls",
      metric: "USAGE",
      threshold: "50",
      recurrence: "EVERY_PERIOD",
      lastTriggeredAt: null,
      archived: false,
    });
    await track("u1", "api_calls", "a", "49");
    await track("u1", "api_calls", "b", "1");
    await track("u1", "api_calls", "c", "1");
    expect(fired("u1")).toEqual([
      {
        id: `alert.triggered:${a.id}:1`,
        type: "alert.triggered",
        data: {
          alert: {
            id: a.id,
            customerId: "u1",
            feature: "api_calls",
            metric: "USAGE",
            threshold: "50",
            recurrence: "EVERY_PERIOD",
          },
          triggers: 1,
          periodStart: T0,
          triggeredAt: T0,
        },
      },
    ]);
    expect(await alertsOf("u1")).toEqual([
      { id: a.id, metric: "USAGE", threshold: "50", recurrence: "EVERY_PERIOD", lastTriggeredAt: T0, archived: false },
    ]);
    const next = (await api.ok(`{ customer(id: "u1") { subscription { currentPeriodEnd } } }`)).customer.subscription
      .currentPeriodEnd;
    await f.advanceClock(next);
    await track("u1", "api_calls", "d", "60");
    expect(fired("u1").map((e) => e.id)).toEqual([`alert.triggered:${a.id}:1`, `alert.triggered:${a.id}:2`]);
  });

  it("ONCE fires once ever; an archived alert never fires", async () => {
    await customerOn("u2", "balance");
    const once = await alert({ customerId: "u2", metric: "SPEND", threshold: "1", recurrence: "ONCE" });
    const low = await alert({ customerId: "u2", metric: "BALANCE_REMAINING", threshold: "99" });
    const archived = await api.ok(`mutation($id: ID!) { archiveUsageAlert(id: $id) { id archived } }`, {
      id: low.id,
    });
    expect(archived.archiveUsageAlert).toEqual({ id: low.id, archived: true });
    await track("u2", "api_calls", "a", "1000"); // $4.30 spent
    const next = (await api.ok(`{ customer(id: "u2") { subscription { currentPeriodEnd } } }`)).customer.subscription
      .currentPeriodEnd;
    await f.advanceClock(next);
    await track("u2", "api_calls", "b", "1000");
    expect(fired("u2").map((e) => e.id)).toEqual([`alert.triggered:${once.id}:1`]);
    expect((await alertsOf("u2")).map((a: { archived: boolean }) => a.archived)).toEqual([false, true]);
  });

  it("an alert already past its threshold fires at the next usage that moves its metric", async () => {
    await customerOn("u3", "credits");
    await track("u3", "images", "a", "5"); // 50 credits left
    const a = await alert({ customerId: "u3", metric: "CREDITS_REMAINING", threshold: "60" });
    await track("u3", "images", "b", "1");
    expect(fired("u3").map((e) => e.id)).toEqual([`alert.triggered:${a.id}:1`]);
  });

  it("refuses what cannot be an alert, and writes nothing", async () => {
    await customerOn("u4", "metered");
    const bad = (input: Record<string, unknown>) =>
      api.gql(`mutation($i: CreateUsageAlertInput!) { createUsageAlert(input: $i) { id } }`, { i: input });
    expectError(await bad({ customerId: "u4", metric: "USAGE", threshold: "1" }), "BAD_USER_INPUT");
    expectError(
      await bad({ customerId: "u4", metric: "SPEND", feature: "api_calls", threshold: "1" }),
      "BAD_USER_INPUT",
    );
    expectError(await bad({ customerId: "u4", metric: "SPEND", threshold: "-1" }), "BAD_USER_INPUT");
    expectError(await bad({ customerId: "u4", metric: "USAGE", feature: "nope", threshold: "1" }), "NOT_FOUND");
    expectError(await bad({ customerId: "nobody", metric: "SPEND", threshold: "1" }), "NOT_FOUND");
    expectError(await api.gql(`mutation { archiveUsageAlert(id: "ua_nope") { id } }`), "NOT_FOUND");
    // A level is not usage: a USAGE alert on a SEATS or QUOTA feature would never move.
    for (const feature of ["seats", "projects"]) {
      const level = await bad({ customerId: "u4", metric: "USAGE", feature, threshold: "1" });
      expectError(level, "BAD_USER_INPUT");
      expect(level.errors?.[0]?.message).toBe(
        `input.feature "${feature}" is a ${feature === "seats" ? "SEATS" : "QUOTA"} feature: its level is not usage, so a USAGE alert on it would never fire`,
      );
    }
    expect(await alertsOf("u4")).toEqual([]);
  });
});
