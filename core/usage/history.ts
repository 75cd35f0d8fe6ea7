/**
 * Usage history: per billing period (newest first) and feature, the units, money and credits
 * the period's events recorded, and how many events. Summed from the usage events by the stream
 * aggregator (core/ai-costs/aggregate.ts), so it follows new events within seconds and the
 * current period appears too, as far as it has gone.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { readUsageHistory, type HistoryCell } from "../db/usage-history";

export type PeriodUsage = { periodStart: string; features: Omit<HistoryCell, "periodStart">[] };

export async function usageHistory(deps: Deps, customerId: string, periods: number): Promise<PeriodUsage[]> {
  if (!Number.isInteger(periods) || periods < 1 || periods > 36)
    throw new DomainError("BAD_USER_INPUT", "periods must be between 1 and 36");
  const byPeriod = new Map<string, PeriodUsage>();
  for (const { periodStart, ...feature } of await readUsageHistory(deps.db, customerId, periods)) {
    const period = byPeriod.get(periodStart) ?? { periodStart, features: [] };
    period.features.push(feature);
    byPeriod.set(periodStart, period);
  }
  for (const period of byPeriod.values()) period.features.sort((a, b) => a.feature.localeCompare(b.feature));
  return [...byPeriod.values()];
}
