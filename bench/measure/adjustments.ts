/**
 * `--only adjustments` (budget item 9): the commercial operations of this wave that write a wallet
 * without tracking, in process on DynamoDB Local (no API server), at concurrency 8 over 64
 * customers each: applyCoupon / removeCoupon (alternating per customer), grantAccountCredit,
 * grantCredits (a CREDITS plan) and adjustUsage. Each is one read of the wallet and one
 * transaction (its idempotency record or event with the wallet); ops per second, latency and
 * DynamoDB requests per operation. Its own table.
 */
import { createCoupon, applyCoupon, removeCoupon } from "../../core/coupons";
import { grantAccountCredit } from "../../core/account-credit";
import { grantCredits } from "../../core/credit-grants";
import { createCustomer } from "../../core/customers";
import { createFeature } from "../../core/features";
import { units } from "../../core/money";
import { createPlan } from "../../core/plans";
import { subscribe } from "../../core/subscriptions";
import { adjustUsage } from "../../core/usage/adjust";
import { benchDeps, TABLE } from "../harness";
import { countRequests, emptyCounts, inParallel, perOp, runLoad, type Counts, type LoadResult } from "../lib";
import { log } from "./context";

const CUSTOMERS = 64;

export type AdjustmentRun = LoadResult & { requestsPerOp: Record<string, number> };
export type AdjustmentsResult = {
  customers: number;
  coupon: AdjustmentRun;
  accountCredit: AdjustmentRun;
  credits: AdjustmentRun;
  adjustUsage: AdjustmentRun;
};

export async function measureAdjustments(endpoint: string, runMs: number): Promise<AdjustmentsResult> {
  const deps = await benchDeps(endpoint, `${TABLE}-adjustments`);
  let counts: Counts = emptyCounts();
  countRequests(deps.db.raw, () => counts);
  log(`bench: coupons, account credit, credit grants and usage adjustments over ${CUSTOMERS} customers...`);
  await createFeature(deps, { code: "api_calls", name: "API calls", kind: "METERED" });
  await createPlan(deps, {
    code: "adj-metered",
    name: "Adjustments metered",
    model: "METERED",
    basePrice: units(50),
    interval: "MONTH",
    features: [{ feature: "api_calls", included: units(1_000), overagePrice: 10_000_000_000n }],
  });
  await createPlan(deps, {
    code: "adj-credits",
    name: "Adjustments credits",
    model: "CREDITS",
    basePrice: units(50),
    interval: "MONTH",
    includedCredits: units(1_000),
    features: [{ feature: "api_calls", creditsPerUnit: units(1) }],
  });
  await createCoupon(deps, { code: "HALF", name: "Half off", percentOffBps: 5000, duration: "FOREVER" });
  const metered = Array.from({ length: CUSTOMERS }, (_, i) => `adj-m-${i}`);
  const credits = Array.from({ length: CUSTOMERS }, (_, i) => `adj-c-${i}`);
  await inParallel([...metered, ...credits], 8, async (id) => {
    await createCustomer(deps, { id });
    await subscribe(deps, id, id.startsWith("adj-m") ? "adj-metered" : "adj-credits");
  });
  const measured = async (op: (n: number) => Promise<unknown>): Promise<AdjustmentRun> => {
    counts = emptyCounts();
    const load = await runLoad(8, runMs, async (n) => void (await op(n)), 0);
    return { ...load, requestsPerOp: perOp(counts.requests, load.ops + load.errors) };
  };
  const of = (ids: string[], n: number) => ids[n % CUSTOMERS]!;
  return {
    customers: CUSTOMERS,
    // Each customer's operations alternate: apply, remove, apply... (a no-op apply is not measured).
    coupon: await measured((n) =>
      Math.floor(n / CUSTOMERS) % 2 === 0
        ? applyCoupon(deps, of(metered, n), "HALF")
        : removeCoupon(deps, of(metered, n)),
    ),
    accountCredit: await measured((n) =>
      grantAccountCredit(deps, {
        customerId: of(metered, n),
        amount: units(1),
        reason: "bench",
        idempotencyKey: `ac${n}`,
      }),
    ),
    credits: await measured((n) =>
      grantCredits(deps, { customerId: of(credits, n), credits: units(5), reason: "bench", idempotencyKey: `gc${n}` }),
    ),
    adjustUsage: await measured((n) =>
      adjustUsage(deps, {
        customerId: of(metered, n),
        feature: "api_calls",
        // Per customer: +2, +2, -1, ...: never below zero.
        delta: Math.floor(n / CUSTOMERS) % 3 === 2 ? -units(1) : units(2),
        reason: "bench",
        idempotencyKey: `au${n}`,
      }),
    ),
  };
}

export function renderAdjustments(r: AdjustmentsResult): string {
  const fmt = (m: Record<string, number>) =>
    Object.entries(m)
      .map(([k, v]) => `${v.toFixed(2)} ${k}`)
      .join(" + ");
  const line = (name: string, x: AdjustmentRun) =>
    `${name} ${x.opsPerSec.toFixed(0)}/s, p50 ${x.p50.toFixed(1)} ms, p99 ${x.p99.toFixed(1)} ms (${fmt(x.requestsPerOp)} per op${x.errors ? `, ${x.errors} errors: ${x.firstError}` : ""})`;
  return `adjustments in process, c8 over ${r.customers} customers: ${line("applyCoupon/removeCoupon", r.coupon)}; ${line("grantAccountCredit", r.accountCredit)}; ${line("grantCredits", r.credits)}; ${line("adjustUsage", r.adjustUsage)}`;
}
