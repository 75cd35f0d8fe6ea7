/**
 * Reservations beside credit grants and usage thresholds: a hold takes credits in spending order
 * (plan credits, then grants soonest-expiring first, then purchased), a grant that expires under a
 * hold leaves the held part held (a settle consumes it first; what is not consumed goes to nobody),
 * and a hold crosses
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

  // A hold is a promise: what it took of a grant stays held when the grant expires, its settle
  // consumes it first, and what is not consumed goes to nobody (core/README.md).
  const reserveAndExpire = async () => {
    await setUp();
    const id = await reserve("c", "images", "130", "r1"); // plan 100, grant 30
    await f.advanceClock(new Date(Date.parse(T0) + 120_000).toISOString());
    // The grant's free 20 are gone; the 30 the hold took of it are still held.
    expect(await pools("c")).toEqual({
      credits: "500",
      planCredits: "0",
      grantedCredits: "0",
      purchasedCredits: "500",
      heldCredits: "130",
    });
    return id;
  };
  const events = async () =>
    (
      await api.ok(`query { customer(id: "c") { events(first: 10) { edges { node { idempotencyKey credits } } } } }`)
    ).customer.events.edges.map((e: { node: unknown }) => e.node);

  it("a grant expiring under a hold: the held part stays held; a settle of all of it consumes it", async () => {
    const id = await reserveAndExpire();
    await settle(id, "130");
    expect(await pools("c")).toEqual({
      credits: "500",
      planCredits: "0",
      grantedCredits: "0",
      purchasedCredits: "500",
      heldCredits: "0",
    });
    expect(await events()).toEqual([{ idempotencyKey: "r1", credits: "130" }]);
  });

  it("a settle below the hold consumes the expired part first; the rest of it goes to nobody", async () => {
    const id = await reserveAndExpire();
    await settle(id, "20"); // 20 of the expired 30; its other 10 gone; the plan's 100 come back
    expect(await pools("c")).toEqual({
      credits: "600",
      planCredits: "100",
      grantedCredits: "0",
      purchasedCredits: "500",
      heldCredits: "0",
    });
    expect(await events()).toEqual([{ idempotencyKey: "r1", credits: "20" }]);
  });

  it("a settle above the hold takes the extra from what is available, after the expired part and the plan's", async () => {
    const id = await reserveAndExpire();
    expect((await settle(id, "150")).settleReservation.capped).toBe(false);
    expect(await pools("c")).toEqual({
      credits: "480",
      planCredits: "0",
      grantedCredits: "0",
      purchasedCredits: "480",
      heldCredits: "0",
    });
  });

  it("a release gives back what the pools lent; the expired grant's part goes to nobody", async () => {
    const id = await reserveAndExpire();
    await release(id);
    expect(await pools("c")).toEqual({
      credits: "600",
      planCredits: "100",
      grantedCredits: "0",
      purchasedCredits: "500",
      heldCredits: "0",
    });
  });

  it("two holds share the expired part: the first settle consumes it, the last give-back loses what is left", async () => {
    await setUp();
    const a = await reserve("c", "images", "110", "a"); // plan 100, grant 10
    const b = await reserve("c", "images", "30", "b"); // grant 30
    await f.advanceClock(new Date(Date.parse(T0) + 120_000).toISOString());
    expect(await pools("c")).toEqual({
      credits: "500",
      planCredits: "0",
      grantedCredits: "0",
      purchasedCredits: "500",
      heldCredits: "140",
    });
    await settle(b, "25"); // 25 of the expired 40; a still holds the other 15, and 95 of the plan's
    expect(await pools("c")).toEqual({
      credits: "505",
      planCredits: "5",
      grantedCredits: "0",
      purchasedCredits: "500",
      heldCredits: "110",
    });
    await release(a); // the 15 go to nobody, the plan's 95 come back
    expect(await pools("c")).toEqual({
      credits: "600",
      planCredits: "100",
      grantedCredits: "0",
      purchasedCredits: "500",
      heldCredits: "0",
    });
  });

  it("a hold that expires after the grant gives back only what the pools lent", async () => {
    await setUp();
    await api.ok(
      `mutation { reserveUsage(input: { customerId: "c", feature: "images", value: "130", idempotencyKey: "r1", ttlSeconds: 90 }) { id } }`,
    );
    await f.advanceClock(new Date(Date.parse(T0) + 70_000).toISOString());
    await f.track({ customerId: "c", feature: "images", idempotencyKey: "t", value: "1" }); // settles the grant for real
    await f.advanceClock(new Date(Date.parse(T0) + 120_000).toISOString());
    await api.ok(`mutation { closeDuePeriods }`); // the sweeper expires the hold
    expect(await pools("c")).toEqual({
      credits: "599",
      planCredits: "99",
      grantedCredits: "0",
      purchasedCredits: "500",
      heldCredits: "0",
    });
  });

  // What a grant leaves held depends on the holds open when it expires: a hold given back (or
  // expired) before the grant's expiry never kept any of it, one given back after it leaves its
  // part to the holds still open, whatever order the server happens to learn of them in.
  const race = async (second: { ttlSeconds: number }, then: "release" | "sweeper" | "settle") => {
    await setUp();
    const a = await reserve("c", "images", "110", "a"); // plan 100, grant 10
    const b = (
      await api.ok(`mutation($i: ReserveUsageInput!) { reserveUsage(input: $i) { id } }`, {
        i: { customerId: "c", feature: "images", value: "30", idempotencyKey: "b", ...second }, // grant 30
      })
    ).reserveUsage.id as string;
    await f.advanceClock(new Date(Date.parse(T0) + 120_000).toISOString());
    const shown = await pools("c"); // a read first: what the sweeper or the next write makes true
    if (then === "release") await release(b);
    if (then === "sweeper") await api.ok(`mutation { closeDuePeriods }`);
    if (then === "sweeper") expect(await pools("c")).toEqual(shown);
    await settle(a, "110");
    return (await pools("c")).credits;
  };
  it("a hold released after the grant expired leaves the grant's part it held to the holds still open", async () => {
    expect(await race({ ttlSeconds: 86_400 }, "release")).toBe("530");
  });
  it("a hold that expired after the grant did too, found by the sweeper or by the next write", async () => {
    expect(await race({ ttlSeconds: 90 }, "sweeper")).toBe("530");
  });
  it("a hold that expired before the grant held none of it when it expired", async () => {
    expect(await race({ ttlSeconds: 30 }, "settle")).toBe("500");
  });
  it("… by the sweeper as well", async () => {
    expect(await race({ ttlSeconds: 30 }, "sweeper")).toBe("500");
  });

  it("a close carries the hold and takes it again from the new period: the expired part goes to nobody", async () => {
    const id = await reserveAndExpire();
    await f.advanceClock("2026-02-01T00:00:00.000Z");
    await settle(id, "130");
    expect(await pools("c")).toEqual({
      credits: "470",
      planCredits: "0",
      grantedCredits: "0",
      purchasedCredits: "470",
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
