/**
 * Which thresholds a usage write fires (pure), and what its transaction must find true for that
 * decision to hold. The decision is made on the writer's view of the wallet, which may be stale (a
 * cached view, or other writes landing meanwhile); the checks make it exact: a threshold the view
 * says fires is conditioned on being armed and reached, one it says does not is conditioned on being
 * disarmed or not reached, so a write on a wrong view fails, re-reads and decides again. Of 200
 * concurrent writes crossing 80%, exactly one commits the firing.
 *
 * Only thresholds whose level this write moves and that the view shows armed are checked: a
 * disarmed one can only re-arm through a new period or arriving funds, which the write's period
 * condition and the wallet's `alarmsRev` condition catch.
 */
import type { WalletDelta } from "../models/types";
import type { Amount } from "../money";
import type { Wallet } from "../wallet";
import { isArmed, markerOnFiring, type Level, type Threshold } from "./threshold";

/**
 * "Before the write, the level is at least (UP) / at most (DOWN) `bound`" is exactly "the write
 * reaches it"; `stores` is what firing it stores in its marker (./threshold.ts markerOnFiring).
 */
export type AlarmCheck = { threshold: Threshold; fires: boolean; bound: Amount; stores: string };

export type AlarmPlan = {
  checks: AlarmCheck[];
  /** The thresholds announced: of each family that fires, the highest. */
  announced: Threshold[];
  /** The wallet's `alarmsRev` the view was decided on: the write asserts it is unchanged. */
  rev: number;
};

/**
 * What a reservation's write moves besides its charge (core/reservations): a hold adds its units to
 * the feature's counter and takes its credits or money from what is available (negative: given
 * back). Thresholds watch the counters as stored, so a hold reaches them like usage does.
 */
export type HoldLevels = { feature: string; quantity: Amount; credits: Amount; amount: Amount };

/** How much the write moves a level (0: it does not touch it, so it cannot cross anything there). */
export function levelDelta(level: Level, delta: WalletDelta, hold?: HoldLevels): Amount {
  switch (level.kind) {
    case "usage":
      return (delta.usage[level.feature] ?? 0n) + (hold?.feature === level.feature ? hold.quantity : 0n);
    case "spent":
      return delta.cost;
    case "balance":
      return delta.cost + (hold?.amount ?? 0n);
    case "credits":
      return delta.credits + (hold?.credits ?? 0n);
  }
}

export function levelIn(w: Wallet, level: Level): Amount {
  switch (level.kind) {
    case "usage":
      return w.usage[level.feature] ?? 0n;
    case "spent":
      return w.spent;
    case "credits":
      return w.credits;
    case "balance":
      return w.balance;
  }
}

export function planAlarms(thresholds: Threshold[], before: Wallet, delta: WalletDelta, hold?: HoldLevels): AlarmPlan {
  const checks: AlarmCheck[] = [];
  for (const threshold of thresholds) {
    const d = levelDelta(threshold.level, delta, hold);
    if (d <= 0n || !isArmed(before, threshold)) continue;
    const level = levelIn(before, threshold.level);
    const up = threshold.direction === "UP";
    const bound = up ? threshold.at - d : threshold.at + d;
    const stores = markerOnFiring(before, threshold);
    checks.push({ threshold, fires: up ? level >= bound : level <= bound, bound, stores });
  }
  const highest = new Map<string, Threshold>();
  for (const { threshold: t, fires } of checks)
    if (fires && (highest.get(t.family)?.rank ?? -1) < t.rank) highest.set(t.family, t);
  return { checks, announced: [...highest.values()], rev: before.alarmsRev ?? 0 };
}
