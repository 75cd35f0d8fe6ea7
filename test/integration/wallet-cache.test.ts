/**
 * The cached wallet of the hot path: a track prices against this process's last view of the
 * wallet without reading it. Another process's writes (simulated here by updating the item
 * directly, behind the cache's back) must never make it refuse wrongly, accept wrongly, or miss a
 * depletion event; and a steady-state track is one transaction and no read.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { createTestDeps, type TestDeps } from "../support/db";
import { createFeature } from "../../core/features";
import { createPlan } from "../../core/plans";
import { createCustomer } from "../../core/customers";
import { subscribe } from "../../core/subscriptions";
import { units } from "../../core/money";
import { keys } from "../../core/db/keys";
import { getWallet } from "../../core/db/wallets";
import { trackUsage } from "../../core/usage/track";
import { trackUsageBatch } from "../../core/usage/batch";
import { closeDuePeriods } from "../../core/periods/sweep";
import { cachedWallet, cachedWalletCount, rememberWallet, WALLET_CACHE_LIMIT } from "../../core/db/wallet-cache";

let deps: TestDeps;
beforeEach(async () => {
  deps = await createTestDeps();
  await createFeature(deps, { code: "images", name: "Images", kind: "METERED" });
  await createPlan(deps, {
    code: "credits",
    name: "Credits",
    model: "CREDITS",
    basePrice: units(49),
    interval: "MONTH",
    includedCredits: units(100),
    features: [{ feature: "images", creditsPerUnit: units(10) }],
  });
  await createCustomer(deps, { id: "acme" });
  await subscribe(deps, "acme", "credits");
});

/** Another process burns or grants credits: the item changes, this process's cache does not. */
const elsewhere = (credits: bigint) =>
  deps.db.doc.send(
    new UpdateCommand({
      TableName: deps.db.table,
      Key: keys.wallet("acme"),
      UpdateExpression: "ADD credits :c, #v :one",
      ExpressionAttributeNames: { "#v": "version" },
      ExpressionAttributeValues: { ":c": credits, ":one": 1 },
    }),
  );

const track = (key: string, value = units(1)) =>
  trackUsage(deps, { customerId: "acme", feature: "images", idempotencyKey: key, value });

function countRequests() {
  const seen: string[] = [];
  deps.db.raw.middlewareStack.add(
    (next, context) => async (args) => {
      seen.push(String(context.commandName));
      return next(args);
    },
    { step: "initialize", name: "countForTest", override: true },
  );
  return { seen, stop: () => deps.db.raw.middlewareStack.remove("countForTest") };
}

describe("the cached wallet", () => {
  it("tracks in the steady state with one transaction and no wallet read", async () => {
    await track("warm-up");
    const counter = countRequests();
    await track("steady");
    counter.stop();
    // The stored test clock is read (test mode); the wallet is not.
    expect(counter.seen.filter((c) => /Transact/.test(c))).toHaveLength(1);
    expect(counter.seen.filter((c) => /^Get/.test(c))).toHaveLength(1); // the test clock only
  });

  it("does not refuse on a stale view that lacks credits another process granted", async () => {
    await track("a", units(9)); // 90 credits burned, cache: 10 left
    await elsewhere(units(500));
    const result = await track("b", units(5)); // 50 credits: the cache says no, the wallet says yes
    expect(result.replayed).toBe(false);
    expect((await getWallet(deps.db, "acme"))!.credits).toBe(units(460));
  });

  it("refuses when another process spent what the stale view still shows", async () => {
    await track("a", units(1)); // cache: 90 left
    await elsewhere(-units(85)); // really 5 left
    await expect(track("b", units(1))).rejects.toMatchObject({ code: "INSUFFICIENT_CREDITS" });
    expect((await getWallet(deps.db, "acme"))!.credits).toBe(units(5));
  });

  it("publishes the depletion that happens in the database even when the stale view does not foresee it", async () => {
    await track("a", units(1)); // cache: 90 left
    await elsewhere(-units(80)); // really 10 left
    await track("b", units(1)); // burns the last 10
    expect((await getWallet(deps.db, "acme"))!.credits).toBe(0n);
    expect(deps.publisher.published.map((e) => e.type)).toContain("credits.depleted");
  });

  it("batches 100 events of a cached customer in two transactions and no wallet read", async () => {
    await createPlan(deps, {
      code: "metered",
      name: "Metered",
      model: "METERED",
      basePrice: units(0),
      interval: "MONTH",
      features: [{ feature: "images", overagePrice: units(1) }],
    });
    await createCustomer(deps, { id: "bulk" });
    await subscribe(deps, "bulk", "metered");
    await trackUsage(deps, { customerId: "bulk", feature: "images", idempotencyKey: "warm-up" });
    const counter = countRequests();
    const results = await trackUsageBatch(
      deps,
      Array.from({ length: 100 }, (_, i) => ({ customerId: "bulk", feature: "images", idempotencyKey: `e${i}` })),
    );
    counter.stop();
    expect(results.every((r) => r.ok)).toBe(true);
    expect(counter.seen.filter((c) => /Transact/.test(c))).toHaveLength(2);
    expect(counter.seen.filter((c) => /^Get/.test(c))).toHaveLength(1); // the test clock only
    expect((await getWallet(deps.db, "bulk"))!.usage.images).toBe(units(101));
  });
});

describe("bounded for a Lambda", () => {
  it("holds at most WALLET_CACHE_LIMIT views, evicting the least recently written", async () => {
    const wallet = (await getWallet(deps.db, "acme"))!;
    const db = { ...deps.db, table: `${deps.db.table}-bound` };
    for (let i = 0; i <= WALLET_CACHE_LIMIT; i++) {
      rememberWallet(db, { ...wallet, customerId: `v-${i}` });
      if (i === WALLET_CACHE_LIMIT - 1) rememberWallet(db, { ...wallet, customerId: "v-0" }); // written again: kept
    }
    expect(WALLET_CACHE_LIMIT).toBe(1_000);
    expect(cachedWalletCount()).toBe(WALLET_CACHE_LIMIT);
    expect(cachedWallet(db, "v-0")?.customerId).toBe("v-0");
    expect(cachedWallet(db, "v-1")).toBeUndefined();
    expect(cachedWallet(db, `v-${WALLET_CACHE_LIMIT}`)?.customerId).toBe(`v-${WALLET_CACHE_LIMIT}`);
  });

  it("the period-close sweeper leaves no views behind", async () => {
    await createPlan(deps, {
      code: "daily",
      name: "Daily",
      model: "METERED",
      basePrice: units(1),
      interval: "DAY",
      features: [{ feature: "images", included: units(5), overagePrice: units(1) }],
    });
    for (const id of ["d-1", "d-2", "d-3"]) {
      await createCustomer(deps, { id });
      await subscribe(deps, id, "daily");
    }
    const before = cachedWalletCount();
    await deps.clock.advance(new Date(Date.parse((await deps.clock.now()).toISOString()) + 2 * 86_400_000));
    const sweep = await closeDuePeriods(deps);
    expect([sweep.closed, sweep.failed]).toEqual([6, 0]);
    expect(cachedWalletCount()).toBe(before);
    for (const id of ["d-1", "d-2", "d-3"]) expect(cachedWallet(deps.db, id)).toBeUndefined();
  });
});
