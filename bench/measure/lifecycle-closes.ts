/**
 * Issue 16's close: DAY-plan customers due now, closed by the sweeper, once plain and once each
 * holding a FOREVER 50% coupon and two account credit grants (so every close writes a DISCOUNT and
 * an ACCOUNT_CREDIT line and rewrites the wallet's grants and coupon): closes per second and
 * DynamoDB requests per close, each group timed alone after an unmeasured warm-up sweep.
 * `npm run bench -- --only lifecycle-closes`.
 */
import { appliedCoupon } from "../../core/coupons/coupon";
import { createCoupon } from "../../core/coupons";
import { createFeature } from "../../core/features";
import { units } from "../../core/money";
import { createPlan } from "../../core/plans";
import type { Wallet } from "../../core/wallet";
import { benchDeps, TABLE } from "../harness";
import { countRequests, emptyCounts, type Counts } from "../lib";
import { log } from "./context";
import { plainVersusAdjusted, type CloseRun } from "./due-closes";

export type LifecycleRun = CloseRun;
export type LifecycleClosesResult = { customers: number; plain: LifecycleRun; offer: LifecycleRun };

export async function measureLifecycleCloses(endpoint: string, quick: boolean): Promise<LifecycleClosesResult> {
  const customers = quick ? 300 : 1_000;
  const table = `${TABLE}-lifecycle`;
  const deps = await benchDeps(endpoint, table);
  const { db } = deps;
  let counts: Counts = emptyCounts();
  countRequests(db.raw, () => counts);
  log(`bench: ${customers} closes, plain and with a coupon and account credit...`);
  await createFeature(deps, { code: "api_calls", name: "API calls", kind: "METERED" });
  const daily = await createPlan(deps, {
    code: "lifecycle-daily",
    name: "Lifecycle daily",
    model: "METERED",
    basePrice: units(10),
    interval: "DAY",
    features: [{ feature: "api_calls", included: units(100), overagePrice: 10_000_000_000n }],
  });
  const coupon = await createCoupon(deps, { code: "HALF", name: "Half", percentOffBps: 5000, duration: "FOREVER" });
  const start = new Date(Date.now() - 86_400_000 - 60_000);
  const offer = (w: Wallet): Wallet => {
    const grant = (id: string, amount: bigint, expiresAt?: string) => ({
      id,
      amount,
      remaining: amount,
      currency: "USD",
      reason: "bench",
      createdAt: start.toISOString(),
      ...(expiresAt ? { expiresAt } : {}),
    });
    const creditGrants = [
      grant("g-soon", units(2), new Date(Date.now() + 86_400_000).toISOString()),
      grant("g-forever", units(50)),
    ];
    return {
      ...w,
      subscription: { ...w.subscription!, coupon: appliedCoupon(coupon) },
      creditGrants,
      accountCredit: units(52),
    };
  };
  const { plain, adjusted: withOffer } = await plainVersusAdjusted(
    deps,
    {
      table,
      plan: daily,
      start,
      usage: units(150),
      profiles: true,
      customers,
      resetCounts: () => (counts = emptyCounts()),
    },
    "offer",
    offer,
  );
  log(
    `  plain: ${plain.closes} closes in ${plain.seconds.toFixed(2)} s; coupon + account credit: ${withOffer.closes} in ${withOffer.seconds.toFixed(2)} s`,
  );
  return { customers, plain, offer: withOffer };
}
