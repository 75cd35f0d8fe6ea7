/**
 * Reservations beside credit grants and usage thresholds: a hold takes credits in spending order
 * (plan credits, then grants soonest-expiring first, then purchased), a grant that expires under a
 * hold takes what it had with it (the hold is taken again from what is left), and a hold crosses
 * thresholds like usage (they watch the counters as stored, holds included).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import type { Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";
import { T0 } from "../support/db";

let api: TestApi;
let f: Fixtures;
beforeEach(async () => {
  ({ api, f } = await scenario({
    features: { images: "METERED", calls: "METERED" },
    plans: {
      creator: {
        model: "CREDITS",
        basePrice: "10",
        includedCredits: "100",
        features: [{ feature: "images", creditsPerUnit: "1" }],
      },
      pro: {
        model: "METERED",
        basePrice: "10",
        features: [{ feature: "calls", included: "10", overagePrice: "0.01" }],
      },
    },
    packs: { p500: { credits: "500", price: "20" } },
    customers: { c: "creator", m: "pro" },
  }));
});
afterEach(() => api.close());

const POOLS = "credits planCredits grantedCredits purchasedCredits heldCredits";
const pools = async (c: string) =>
  (await api.ok(`query($c: ID!) { customer(id: $c) { wallet { ${POOLS} } } }`, { c })).customer.wallet;
const reserve = async (customerId: string, feature: string, value: string, idempotencyKey: string) =>
  (
    await api.ok(`mutation($i: ReserveUsageInput!) { reserveUsage(input: $i) { id } }`, {
      i: { customerId, feature, value, idempotencyKey, ttlSeconds: 86_400 },
    })
  ).reserveUsage.id as string;
const settle = (id: string, value: string) =>
  api.ok(`mutation($id: ID!, $i: SettleReservationInput!) { settleReservation(id: $id, input: $i) { capped } }`, {
    id,
    i: { value },
  });
const release = (id: string) => api.ok(`mutation($id: ID!) { releaseReservation(id: $id) { status } }`, { id });
const setUp = async () => {
  await api.ok(`mutation { purchaseCreditPack(customerId: "c", packCode: "p500", idempotencyKey: "buy") { credits } }`);
  const expiresAt = new Date(Date.parse(T0) + 60_000).toISOString();
  await api.ok(
    `mutation($e: DateTime) { grantCredits(customerId: "c", credits: "50", reason: "goodwill", idempotencyKey: "g", expiresAt: $e) { credits } }`,
    { e: expiresAt },
  );
};
const thresholdEvents = (customerId: string) =>
  api.deps.publisher.published
    .filter((e) => /\.low$|threshold_reached/.test(e.type) && e.detail.customerId === customerId)
    .map((e) => e.id);

describe("holds and credit grants", () => {
  it("a hold takes plan credits, then the grant, then purchased ones; a settle charges in that order", async () => {
    await setUp();
    const id = await reserve("c", "images", "120", "r1");
    expect(await pools("c")).toEqual({
      credits: "530",
      planCredits: "0",
      grantedCredits: "30",
      purchasedCredits: "500",
      heldCredits: "120",
    });
    await settle(id, "110");
    expect(await pools("c")).toEqual({
      credits: "540",
      planCredits: "0",
      grantedCredits: "40",
      purchasedCredits: "500",
      heldCredits: "0",
    });
  });

  it("a grant expiring under a hold leaves with what it had; the hold is taken again from what is left", async () => {
    await setUp();
    const id = await reserve("c", "images", "130", "r1"); // plan 100, grant 30
    await f.advanceClock(new Date(Date.parse(T0) + 120_000).toISOString());
    // The grant's 50 are gone; the hold's 30 of it now come from purchased credits.
    expect(await pools("c")).toEqual({
      credits: "470",
      planCredits: "0",
      grantedCredits: "0",
      purchasedCredits: "470",
      heldCredits: "130",
    });
    await release(id);
    expect(await pools("c")).toEqual({
      credits: "600",
      planCredits: "100",
      grantedCredits: "0",
      purchasedCredits: "500",
      heldCredits: "0",
    });
  });
});

describe("holds and usage thresholds", () => {
  it("a hold reaching 80% of the included units fires it; its settle does not fire it again", async () => {
    const ps = (await api.ok(`{ customer(id: "m") { subscription { currentPeriodStart } } }`)).customer.subscription
      .currentPeriodStart;
    const id = await reserve("m", "calls", "9", "r1");
    expect(thresholdEvents("m")).toEqual([`usage.threshold_reached:m:calls:${ps}:80`]);
    await settle(id, "9");
    expect(thresholdEvents("m")).toEqual([`usage.threshold_reached:m:calls:${ps}:80`]);
    // A settle above its hold crosses 100% like a track.
    const id2 = await reserve("m", "calls", "0.5", "r2");
    await settle(id2, "1");
    expect(thresholdEvents("m")).toEqual([
      `usage.threshold_reached:m:calls:${ps}:80`,
      `usage.threshold_reached:m:calls:${ps}:100`,
    ]);
  });

  it("a hold taking credits to 10% fires credits.low; a release gives them back and a later hold does not fire it again", async () => {
    const ps = (await api.ok(`{ customer(id: "c") { subscription { currentPeriodStart } } }`)).customer.subscription
      .currentPeriodStart;
    const id = await reserve("c", "images", "95", "r1");
    expect(thresholdEvents("c")).toEqual([`credits.low:c:${ps}:100`]);
    await release(id);
    expect((await pools("c")).credits).toBe("100");
    await reserve("c", "images", "95", "r2");
    expect(thresholdEvents("c")).toEqual([`credits.low:c:${ps}:100`]);
  });
});
