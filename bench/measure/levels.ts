/**
 * `--only levels`: setSeats and adjustQuota in process on DynamoDB Local (no API server), at
 * concurrency 8: spread over 64 customers of a monthly plan with a SEATS and a QUOTA feature, and
 * all on one customer's one feature (the writes of one feature serialize on its level: each loser
 * re-reads and decides again). Seat counts go up and down, so about half the seat changes invoice
 * the seats they add (a transaction with the invoice counter). Ops per second, latency, DynamoDB
 * requests per change. Its own table.
 */
import { createCustomer } from "../../core/customers";
import { createFeature } from "../../core/features";
import { adjustQuota, setSeats } from "../../core/levels";
import { units } from "../../core/money";
import { createPlan } from "../../core/plans";
import { subscribe } from "../../core/subscriptions";
import { benchDeps, TABLE } from "../harness";
import { countRequests, emptyCounts, perOp, runLoad, type Counts, type LoadResult } from "../lib";
import { log } from "./context";

const CUSTOMERS = 64;

export type LevelRun = LoadResult & { requestsPerChange: Record<string, number> };
export type LevelsResult = {
  customers: number;
  seats: LevelRun;
  quota: LevelRun;
  seatsOneCustomer: LevelRun;
  quotaOneCustomer: LevelRun;
};

export async function measureLevels(endpoint: string, runMs: number): Promise<LevelsResult> {
  const deps = await benchDeps(endpoint, `${TABLE}-levels`);
  let counts: Counts = emptyCounts();
  countRequests(deps.db.raw, () => counts);
  log(`bench: seat and quota changes over ${CUSTOMERS} customers...`);
  await createFeature(deps, { code: "editors", name: "Editors", kind: "SEATS" });
  await createFeature(deps, { code: "projects", name: "Projects", kind: "QUOTA" });
  await createPlan(deps, {
    code: "bench-team",
    name: "Bench team",
    model: "METERED",
    basePrice: units(20),
    interval: "MONTH",
    features: [
      { feature: "editors", included: units(3), overagePrice: units(10) },
      { feature: "projects", included: units(5), overagePrice: units(2) },
    ],
  });
  const ids = Array.from({ length: CUSTOMERS }, (_, i) => `team-${i}`);
  for (const id of [...ids, "team-hot"]) {
    await createCustomer(deps, { id });
    await subscribe(deps, id, "bench-team");
    // A level to step down from: the measured steps are never refused for going below zero.
    await adjustQuota(deps, { customerId: id, feature: "projects", delta: units(10), idempotencyKey: `${id}-start` });
  }
  const measured = async (op: (n: number) => Promise<unknown>): Promise<LevelRun> => {
    counts = emptyCounts();
    const load = await runLoad(8, runMs, async (n) => void (await op(n)), 0);
    return { ...load, requestsPerChange: perOp(counts.requests, load.ops + load.errors) };
  };
  // A count that rises for 4 changes and falls back: each rise past the period's peak invoices once.
  const count = (n: number) => units(4 + (n % 8 < 4 ? n % 8 : 8 - (n % 8)) + Math.floor(n / 64));
  // Up twice, down once: the level climbs slowly, its peak with it.
  const delta = (n: number) => (n % 3 === 2 ? -units(1) : units(1));
  return {
    customers: CUSTOMERS,
    seats: await measured((n) =>
      setSeats(deps, { customerId: ids[n % CUSTOMERS]!, feature: "editors", count: count(n), idempotencyKey: `s${n}` }),
    ),
    quota: await measured((n) =>
      adjustQuota(deps, {
        customerId: ids[n % CUSTOMERS]!,
        feature: "projects",
        delta: delta(n),
        idempotencyKey: `q${n}`,
      }),
    ),
    seatsOneCustomer: await measured((n) =>
      setSeats(deps, { customerId: "team-hot", feature: "editors", count: count(n), idempotencyKey: `hs${n}` }),
    ),
    quotaOneCustomer: await measured((n) =>
      adjustQuota(deps, { customerId: "team-hot", feature: "projects", delta: delta(n), idempotencyKey: `hq${n}` }),
    ),
  };
}
