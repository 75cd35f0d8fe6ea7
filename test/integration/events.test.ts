/** Business events: published after the commit, with stable ids; a failed publish is retried by the sweeper. */
import { beforeEach, describe, expect, it } from "vitest";
import { createTestDeps, type TestDeps } from "../support/db";
import type { BillingEvent } from "../../core/deps";
import { createFeature } from "../../core/features";
import { createPlan } from "../../core/plans";
import { createCustomer } from "../../core/customers";
import { subscribe } from "../../core/subscriptions";
import { closeDuePeriods } from "../../core/periods/sweep";
import { parseMoney } from "../../core/money";
import { trackUsage } from "../../core/usage/track";
import { createCreditPack } from "../../core/credit-packs";
import { purchaseCreditPack, topUpBalance } from "../../core/purchases";

let deps: TestDeps;
beforeEach(async () => {
  deps = await createTestDeps();
  await createFeature(deps, { code: "calls", name: "Calls", kind: "METERED" });
  await createPlan(deps, {
    code: "daily",
    name: "Daily",
    model: "METERED",
    basePrice: parseMoney("2"),
    interval: "DAY",
    features: [{ feature: "calls", overagePrice: parseMoney("1") }],
  });
  await createCustomer(deps, { id: "acme" });
});

const summary = (events: BillingEvent[]) => events.map((e) => [e.type, e.id]);

/** Deps whose event bus fails until `busUp()`; what it then accepts lands in `delivered`. */
function flakyBus() {
  const delivered: BillingEvent[] = [];
  let down = true;
  const flaky = {
    ...deps,
    publisher: {
      publish: async (events: BillingEvent[]) => {
        if (down) throw new Error("bus unavailable");
        delivered.push(...events);
      },
    },
  };
  const busUp = () => {
    down = false;
  };
  return { flaky, delivered, busUp };
}

/** "c10": 10 credits a month, an image costs `perImage` credits. */
async function creditsPlan(perImage: string) {
  await createFeature(deps, { code: "images", name: "Images", kind: "METERED" });
  await createPlan(deps, {
    code: "c10",
    name: "C",
    model: "CREDITS",
    basePrice: 0n,
    interval: "MONTH",
    includedCredits: parseMoney("10"),
    features: [{ feature: "images", creditsPerUnit: parseMoney(perImage) }],
  });
}

/** "c10" and "b1": a $1 monthly balance, a call costs $0.60. */
async function creditsAndBalancePlans(perImage: string) {
  await creditsPlan(perImage);
  await createPlan(deps, {
    code: "b1",
    name: "B",
    model: "BALANCE",
    basePrice: parseMoney("1"),
    interval: "MONTH",
    features: [{ feature: "calls", unitPrice: parseMoney("0.6") }],
  });
}

describe("events out", () => {
  it("publishes invoice.created + subscription.created on subscribe, and invoice.created + subscription.renewed on a close", async () => {
    await subscribe(deps, "acme", "daily");
    await deps.clock.advance(new Date("2026-01-02T00:00:00Z"));
    await closeDuePeriods(deps);
    expect(summary(deps.publisher.published)).toEqual([
      ["invoice.created", "invoice.created:INV-000001"],
      ["subscription.created", "subscription.created:acme:2026-01-01T00:00:00.000Z"],
      ["invoice.created", "invoice.created:INV-000002"],
      ["subscription.renewed", "subscription.renewed:acme:2026-01-02T00:00:00.000Z"],
    ]);
    expect(deps.publisher.published[2]).toMatchObject({
      version: 1,
      detail: { invoice: { number: "INV-000002", total: "2.00", customerId: "acme" } },
    });
  });

  it("keeps events of a failed publish in the invoice's outbox and publishes them on the next sweep", async () => {
    const { flaky, delivered, busUp } = flakyBus();
    await subscribe(flaky, "acme", "daily");
    expect(delivered).toEqual([]);
    busUp();
    const sweep = await closeDuePeriods(flaky);
    expect(sweep.published).toBe(1);
    expect(summary(delivered)).toEqual([
      ["invoice.created", "invoice.created:INV-000001"],
      ["subscription.created", "subscription.created:acme:2026-01-01T00:00:00.000Z"],
    ]);
    expect((await closeDuePeriods(flaky)).published).toBe(0);
  });

  it("publishes credits.depleted when a track spends the last credit, and balance.negative when spend goes below zero", async () => {
    await creditsAndBalancePlans("5");
    await createCustomer(deps, { id: "credits" });
    await subscribe(deps, "credits", "c10");
    await subscribe(deps, "acme", "b1");
    await trackUsage(deps, { customerId: "credits", feature: "images", idempotencyKey: "i1" });
    await trackUsage(deps, { customerId: "credits", feature: "images", idempotencyKey: "i2" });
    await trackUsage(deps, { customerId: "acme", feature: "calls", idempotencyKey: "c1" });
    await trackUsage(deps, { customerId: "acme", feature: "calls", idempotencyKey: "c2" });
    const tracked = deps.publisher.published.filter((e) => ["credits.depleted", "balance.negative"].includes(e.type));
    expect(tracked.map((e) => [e.id, e.detail])).toEqual([
      [
        "credits.depleted:credits:2026-01-01T00:00:00.000Z",
        { customerId: "credits", periodStart: "2026-01-01T00:00:00.000Z" },
      ],
      [
        "balance.negative:acme:2026-01-01T00:00:00.000Z",
        { customerId: "acme", periodStart: "2026-01-01T00:00:00.000Z", balance: "-0.20" },
      ],
    ]);
  });

  it("keeps a depletion event of a failed publish in the outbox: the next sweep publishes it once, and a replayed track adds nothing", async () => {
    await creditsPlan("10");
    await createCustomer(deps, { id: "artist" });
    await subscribe(deps, "artist", "c10");
    const { flaky, delivered, busUp } = flakyBus();
    const first = await trackUsage(flaky, { customerId: "artist", feature: "images", idempotencyKey: "last-credit" });
    expect(first.entitlement.credits).toBe(0n);
    expect(delivered).toEqual([]);
    busUp();
    const replay = await trackUsage(flaky, { customerId: "artist", feature: "images", idempotencyKey: "last-credit" });
    expect(replay.replayed).toBe(true);
    expect(delivered).toEqual([]);
    const sweep = await closeDuePeriods(flaky);
    expect(sweep.published).toBe(1);
    // The last credit is also the one that takes credits to 10% of the 10 granted (core/alerts).
    expect(summary(delivered)).toEqual([
      ["credits.low", "credits.low:artist:2026-01-01T00:00:00.000Z:10"],
      ["credits.depleted", "credits.depleted:artist:2026-01-01T00:00:00.000Z"],
    ]);
    expect((await closeDuePeriods(flaky)).published).toBe(0);
    expect(summary(delivered)).toHaveLength(2);
  });

  it("publishes credits.purchased and balance.topped_up from the purchase's own transaction, after its invoice's events, once per key", async () => {
    await creditsAndBalancePlans("5");
    await createCreditPack(deps, {
      code: "p100",
      name: "100 credits",
      credits: parseMoney("100"),
      price: parseMoney("9.5"),
    });
    await createCustomer(deps, { id: "studio" });
    await subscribe(deps, "studio", "c10");
    await subscribe(deps, "acme", "b1");
    const before = deps.publisher.published.length;
    await purchaseCreditPack(deps, "studio", "p100", "buy-1");
    await purchaseCreditPack(deps, "studio", "p100", "buy-1"); // a retry: nothing new
    await topUpBalance(deps, "acme", parseMoney("25"), "top-1");
    const published = deps.publisher.published.slice(before);
    expect(summary(published)).toEqual([
      ["invoice.created", "invoice.created:INV-000003"],
      ["credits.purchased", "credits.purchased:INV-000003"],
      ["invoice.created", "invoice.created:INV-000004"],
      ["balance.topped_up", "balance.topped_up:INV-000004"],
    ]);
    expect(published[1]).toEqual({
      id: "credits.purchased:INV-000003",
      type: "credits.purchased",
      version: 1,
      time: "2026-01-01T00:00:00.000Z",
      detail: {
        customerId: "studio",
        packCode: "p100",
        credits: "100",
        price: "9.50",
        currency: "USD",
        invoiceId: "INV-000003",
        idempotencyKey: "buy-1",
      },
    });
    expect(published[3]!.detail).toEqual({
      customerId: "acme",
      amount: "25.00",
      currency: "USD",
      invoiceId: "INV-000004",
      idempotencyKey: "top-1",
    });
  });
});
