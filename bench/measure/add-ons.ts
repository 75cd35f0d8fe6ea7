/**
 * `--only addons` (issue 17): attachAddOn in process on DynamoDB Local at concurrency 8, spread over
 * customers of a monthly plan (each attach is one transaction with its pro-rata invoice, numbered
 * through the invoice counter's group commit); then DAY-plan customers due now, closed by the
 * sweeper, once plain and once each holding three add-ons (a METERED grant, a BOOLEAN one and one
 * of quantity 2: three ADD_ON lines per renewal), each group timed alone after a warm-up sweep.
 */
import { attachAddOn, createAddOn } from "../../core/add-ons";
import type { AttachedAddOn } from "../../core/add-ons";
import { createCustomer } from "../../core/customers";
import { createFeature } from "../../core/features";
import { units } from "../../core/money";
import { createPlan } from "../../core/plans";
import { subscribe } from "../../core/subscriptions";
import type { Wallet } from "../../core/wallet";
import { benchDeps, TABLE } from "../harness";
import { countRequests, emptyCounts, perOp, runLoad, type Counts, type LoadResult } from "../lib";
import { log } from "./context";
import { plainVersusAdjusted, type CloseRun } from "./due-closes";

const ATTACH_CUSTOMERS = 200;
const DEFINITIONS = 20;

export type AddOnCloseRun = CloseRun;
export type AddOnsResult = {
  attach: LoadResult & { requestsPerAttach: Record<string, number> };
  customers: number;
  plain: AddOnCloseRun;
  withAddOns: AddOnCloseRun;
};

export async function measureAddOns(endpoint: string, runMs: number, quick: boolean): Promise<AddOnsResult> {
  const customers = quick ? 300 : 1_000;
  const table = `${TABLE}-addons`;
  const deps = await benchDeps(endpoint, table);
  const { db } = deps;
  let counts: Counts = emptyCounts();
  countRequests(db.raw, () => counts);
  log(`bench: attachAddOn over ${ATTACH_CUSTOMERS} customers, then ${customers} closes with and without add-ons...`);
  await createFeature(deps, { code: "api_calls", name: "API calls", kind: "METERED" });
  await createFeature(deps, { code: "sso", name: "SSO", kind: "BOOLEAN" });
  const features = [{ feature: "api_calls", included: units(100), overagePrice: 10_000_000_000n }];
  await createPlan(deps, {
    code: "addon-monthly",
    name: "Monthly",
    model: "METERED",
    basePrice: units(10),
    interval: "MONTH",
    features,
  });
  const daily = await createPlan(deps, {
    code: "addon-daily",
    name: "Daily",
    model: "METERED",
    basePrice: units(10),
    interval: "DAY",
    features,
  });
  for (let i = 0; i < DEFINITIONS; i++)
    await createAddOn(deps, {
      code: `calls-${i}`,
      name: `Calls ${i}`,
      feature: "api_calls",
      price: units(5),
      grants: units(1000),
    });
  const ids = Array.from({ length: ATTACH_CUSTOMERS }, (_, i) => `attach-${i}`);
  for (const id of ids) {
    await createCustomer(deps, { id });
    await subscribe(deps, id, "addon-monthly");
  }
  counts = emptyCounts();
  // Each op a new (customer, add-on) pair: 4,000 of them before any would repeat.
  const attach = await runLoad(
    8,
    runMs,
    async (n) =>
      void (await attachAddOn(deps, {
        customerId: ids[n % ATTACH_CUSTOMERS]!,
        addOnCode: `calls-${Math.floor(n / ATTACH_CUSTOMERS) % DEFINITIONS}`,
        idempotencyKey: `a${n}`,
      })),
    0,
  );
  const requestsPerAttach = perOp(counts.requests, attach.ops + attach.errors);

  const start = new Date(Date.now() - 86_400_000 - 60_000);
  const term = (code: string, feature: string, price: bigint, quantity: number, grants?: bigint): AttachedAddOn => ({
    code,
    name: code,
    feature,
    price: units(price),
    currency: "USD",
    ...(grants !== undefined ? { grants } : {}),
    quantity,
    attachedAt: start.toISOString(),
  });
  const withAddOns = (w: Wallet): Wallet => ({
    ...w,
    subscription: {
      ...w.subscription!,
      addOns: [
        term("calls", "api_calls", 5n, 1, units(1000)),
        term("sso", "sso", 3n, 1),
        term("calls-2", "api_calls", 2n, 2, units(500)),
      ],
    },
  });
  const { plain, adjusted: closes } = await plainVersusAdjusted(
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
    "addons",
    withAddOns,
  );
  return { attach: { ...attach, requestsPerAttach }, customers, plain, withAddOns: closes };
}
