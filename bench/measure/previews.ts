/**
 * `--only previews`: previewPlanChange (IMMEDIATE) and upcomingInvoice, in process on DynamoDB
 * Local (no API server), at concurrency 8 over 64 customers of a monthly METERED plan with usage
 * on their wallets: previews per second, latency, and DynamoDB requests per preview (a preview
 * reads the wallet and plans, and writes nothing). Its own table.
 */
import { createCustomer } from "../../core/customers";
import { units } from "../../core/money";
import { createPlan } from "../../core/plans";
import { upcomingInvoice } from "../../core/periods/upcoming";
import { subscribe } from "../../core/subscriptions";
import { previewPlanChange } from "../../core/subscriptions/preview";
import { trackUsage } from "../../core/usage/track";
import { benchDeps, seedMonthlyPlan, TABLE } from "../harness";
import { countRequests, emptyCounts, perOp, runLoad, type Counts, type LoadResult } from "../lib";
import { log } from "./context";

const CUSTOMERS = 64;

export type PreviewRun = LoadResult & { requestsPerPreview: Record<string, number> };
export type PreviewsResult = { customers: number; previewPlanChange: PreviewRun; upcomingInvoice: PreviewRun };

export async function measurePreviews(endpoint: string, runMs: number): Promise<PreviewsResult> {
  const deps = await benchDeps(endpoint, `${TABLE}-previews`);
  let counts: Counts = emptyCounts();
  countRequests(deps.db.raw, () => counts);
  log(`bench: previews over ${CUSTOMERS} customers...`);
  await seedMonthlyPlan(deps);
  await createPlan(deps, {
    code: "bench-monthly-big",
    name: "Bench monthly big",
    model: "METERED",
    basePrice: units(199),
    interval: "MONTH",
    features: [{ feature: "api_calls", included: units(100_000), overagePrice: 5_000_000_000n }],
  });
  const ids = Array.from({ length: CUSTOMERS }, (_, i) => `preview-${i}`);
  for (const id of ids) {
    await createCustomer(deps, { id });
    await subscribe(deps, id, "bench-monthly");
    await trackUsage(deps, { customerId: id, feature: "api_calls", value: units(12_345), idempotencyKey: `${id}-1` });
  }
  const measured = async (op: (id: string) => Promise<unknown>): Promise<PreviewRun> => {
    counts = emptyCounts();
    const load = await runLoad(8, runMs, async (n) => void (await op(ids[n % CUSTOMERS]!)), 0);
    return { ...load, requestsPerPreview: perOp(counts.requests, load.ops + load.errors) };
  };
  return {
    customers: CUSTOMERS,
    previewPlanChange: await measured((id) => previewPlanChange(deps, id, "bench-monthly-big", "IMMEDIATE")),
    upcomingInvoice: await measured((id) => upcomingInvoice(deps, id)),
  };
}
