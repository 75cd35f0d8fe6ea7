/**
 * Section 10: closeDuePeriods over due DAY subscriptions of a plan whose overage is
 * priced by GRADUATED tiers with a flat fee (each close bills 4 overage lines and the base fee),
 * against the same number on a plan with one overage price (1 overage line), each after an
 * unmeasured warm-up, in closes per second. Its own table, so `--only tier-closes` runs it alone.
 */
import { createFeature } from "../../core/features";
import { parseMoney, units } from "../../core/money";
import { createPlan } from "../../core/plans";
import { benchDeps, TABLE } from "../harness";
import { countRequests, emptyCounts, type Counts } from "../lib";
import { log, pad } from "./context";
import { seedDue, timedSweep, type CloseRun } from "./due-closes";

export type TierClosesRun = CloseRun;
export type TierClosesResult = {
  due: number;
  linesPerInvoice: { plain: number; tiered: number };
  plain: TierClosesRun;
  tiered: TierClosesRun;
};

export async function measureTierCloses(endpoint: string, quick: boolean): Promise<TierClosesResult> {
  const table = `${TABLE}-tier-closes`;
  const deps = await benchDeps(endpoint, table);
  let counts: Counts = emptyCounts();
  countRequests(deps.db.raw, () => counts);
  const due = quick ? 500 : 2_000;
  await createFeature(deps, { code: "api_calls", name: "API calls", kind: "METERED" });
  const plan = (code: string, pricing: object) =>
    createPlan(deps, {
      code,
      name: code,
      model: "METERED",
      basePrice: units(1),
      interval: "DAY",
      features: [{ feature: "api_calls", included: units(100), ...pricing }],
    });
  const plain = await plan("closes-plain", { overagePrice: parseMoney("0.01") });
  const tiered = await plan("closes-tiered", {
    tiers: [
      { upTo: units(1_000), unitPrice: parseMoney("0.01") },
      { upTo: units(10_000), unitPrice: parseMoney("0.005"), flatFee: units(2) },
      { unitPrice: parseMoney("0.001") },
    ],
  });
  const run = async (prefix: string, p: typeof plain): Promise<TierClosesRun> => {
    // 10,150 calls: 10,050 beyond included, in all three tiers.
    const start = new Date(Date.now() - 86_400_000 - 60_000);
    await seedDue(deps, { table, prefix, n: due, plan: p, start, usage: units(10_150), id: pad });
    return timedSweep(deps, () => (counts = emptyCounts()));
  };
  log(`bench: closes of ${due} due DAY subscriptions, one overage price vs GRADUATED tiers...`);
  await run("warm-up", tiered); // a fresh DynamoDB Local's JVM runs slower at first
  const plainRun = await run("plain", plain);
  const tieredRun = await run("tiered", tiered);
  log(`  plain ${plainRun.closesPerSec.toFixed(0)}/s, tiered ${tieredRun.closesPerSec.toFixed(0)}/s`);
  return { due, linesPerInvoice: { plain: 2, tiered: 5 }, plain: plainRun, tiered: tieredRun };
}
