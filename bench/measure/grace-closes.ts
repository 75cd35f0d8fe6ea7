/**
 * `--only grace-closes`: closeDuePeriods over due DAY subscriptions without a grace period (one
 * write per period: the renewal and its invoice), against the same number with a 1-hour grace
 * period for late events (BILLING_GRACE_PERIOD=PT1H: two writes per period, the on-time roll at
 * the period's end and the invoice issued at the grace end, each a sweep of its own), after an
 * unmeasured warm-up; periods per second and DynamoDB requests per period. Its own table, so it
 * runs alone; the grace end is reached with a clock an hour ahead, not by waiting.
 */
import type { Clock } from "../../core/clock";
import type { Deps } from "../../core/deps";
import { createFeature } from "../../core/features";
import { parseMoney, units } from "../../core/money";
import { createPlan } from "../../core/plans";
import { benchDeps, TABLE } from "../harness";
import { countRequests, emptyCounts, type Counts } from "../lib";
import { log, pad } from "./context";
import { seedDue, timedSweep } from "./due-closes";

const GRACE_MS = 3_600_000;

export type GraceSweep = {
  periods: number;
  seconds: number;
  perSec: number;
  requestsPerPeriod: Record<string, number>;
};
export type GraceClosesResult = {
  due: number;
  /** No grace: the close writes the renewal and the invoice at once. */
  plain: GraceSweep;
  /** PT1H: the roll at the period's end, the invoice at the grace end, and both together per period. */
  roll: GraceSweep;
  issue: GraceSweep;
  total: { seconds: number; perSec: number; requestsPerPeriod: Record<string, number> };
};

export async function measureGraceCloses(endpoint: string, quick: boolean): Promise<GraceClosesResult> {
  const table = `${TABLE}-grace-closes`;
  const deps = await benchDeps(endpoint, table);
  let counts: Counts = emptyCounts();
  countRequests(deps.db.raw, () => counts);
  const due = quick ? 500 : 2_000;
  await createFeature(deps, { code: "api_calls", name: "API calls", kind: "METERED" });
  const plan = await createPlan(deps, {
    code: "closes-grace",
    name: "closes-grace",
    model: "METERED",
    basePrice: units(1),
    interval: "DAY",
    features: [{ feature: "api_calls", included: units(100), overagePrice: parseMoney("0.01") }],
  });
  const seed = (prefix: string) =>
    seedDue(deps, {
      table,
      prefix,
      n: due,
      plan,
      start: new Date(Date.now() - 86_400_000 - 60_000),
      usage: units(150),
      id: pad,
    });
  const sweep = async (d: Deps): Promise<GraceSweep> => {
    const run = await timedSweep(d, () => (counts = emptyCounts()));
    return {
      periods: run.closes,
      seconds: run.seconds,
      perSec: run.closesPerSec,
      requestsPerPeriod: run.requestsPerClose,
    };
  };
  /** Real time, moved `ahead`: the grace end without waiting for it. */
  const ahead = (ms: number): Clock => ({
    mode: "real",
    now: async () => new Date(Date.now() + ms),
    advance: deps.clock.advance,
  });
  const graced: Deps = { ...deps, gracePeriodMs: GRACE_MS };

  log(`bench: closes of ${due} due DAY subscriptions, without a grace period and with PT1H...`);
  await seed("warm-up");
  await sweep(deps); // a fresh DynamoDB Local's JVM runs slower at first
  await seed("plain");
  const plain = await sweep(deps);
  await seed("graced");
  const roll = await sweep(graced);
  const issue = await sweep({ ...graced, clock: ahead(GRACE_MS + 60_000) });
  const seconds = roll.seconds + issue.seconds;
  const requestsPerPeriod: Record<string, number> = {};
  for (const r of [roll, issue])
    for (const [k, v] of Object.entries(r.requestsPerPeriod)) requestsPerPeriod[k] = (requestsPerPeriod[k] ?? 0) + v;
  log(
    `  plain ${plain.perSec.toFixed(0)}/s; grace: roll ${roll.perSec.toFixed(0)}/s, issue ${issue.perSec.toFixed(0)}/s`,
  );
  return { due, plain, roll, issue, total: { seconds, perSec: due / seconds, requestsPerPeriod } };
}
