/**
 * The wallet half of a usage transaction: commutative ADDs, conditioned on the subscription
 * period the charges were priced in (so nothing is booked into a period that a close has ended, or
 * priced on a plan that was changed meanwhile) and on the charges' guards.
 */
import type { Guard, WalletDelta } from "../models/types";
import type { Db } from "./client";
import { keys } from "./keys";
import { UpdateExpression } from "./update-expression";
import { addAlarms } from "./alarm-update";
import type { AlarmPlan } from "../alerts/crossing";

/** What a usage write does to the wallet, and what it is conditioned on. */
export type UsageUpdate = {
  customerId: string;
  /** The subscription period the charges were priced in: the wallet must still be in it. */
  period: { planCode: string; periodStart: string };
  delta: WalletDelta;
  guards: Guard[];
  /** The write fails (with the wallet) instead of depleting credits or balance (see below). */
  noDepletion?: boolean;
  /** The thresholds this write checks and fires (core/alerts/crossing.ts), `at` the time it fires them. */
  alarms?: { plan: AlarmPlan; at: string };
};

export function usageUpdate(db: Db, { customerId, period, delta, guards, noDepletion = false, alarms }: UsageUpdate) {
  const u = new UpdateExpression();
  u.name("#status", "status");
  u.value(":active", "ACTIVE");
  u.value(":plan", period.planCode);
  u.value(":ps", period.periodStart);
  u.value(":zero", 0n);
  let n = 0;
  const featureName = (feature: string) => u.nameOf(feature) ?? u.name(`#f${n++}`, feature);
  for (const [map, perFeature] of [
    ["usage", delta.usage],
    ["featureCost", delta.featureCost],
    ["featureCredits", delta.featureCredits],
  ] as const) {
    for (const [feature, value] of Object.entries(perFeature)) {
      const path = `${u.name(`#${map}`, map)}.${featureName(feature)}`;
      u.set(`${path} = if_not_exists(${path}, :zero) + ${u.value(`:v${n++}`, value)}`);
      // A correction lowering a counter (adjustUsage) never takes it below zero; tracks only add.
      if (value < 0n) u.when(`${path} >= ${u.value(`:v${n++}`, -value)}`);
    }
  }
  u.add(`${u.name("#version", "version")} ${u.value(":one", 1)}`);
  if (delta.credits !== 0n) {
    u.value(":burn", delta.credits);
    u.value(":negBurn", -delta.credits);
    u.add("credits :negBurn").add("creditsUsed :burn");
  }
  if (delta.cost !== 0n) {
    u.value(":cost", delta.cost);
    u.value(":negCost", -delta.cost);
    u.add("spent :cost").add("balance :negCost");
  }
  u.when("#status = :active").when("planCode = :plan").when("periodStart = :ps");
  for (const [i, guard] of guards.entries()) u.when(condition(u, guard, `:g${i}`, featureName));
  // "This write depletes nothing": credits do not fall from above zero to zero or below, and the
  // balance does not fall from zero or above to below zero. Used when the caller priced against a
  // cached wallet and so cannot tell a depletion itself: if this fails, it retries on the wallet
  // the failed condition returns, and judges the depletion (and publishes its event) from that.
  if (noDepletion && delta.credits > 0n) u.when("(credits <= :zero OR credits > :burn)");
  if (noDepletion && delta.cost > 0n) u.when("(balance < :zero OR balance >= :cost)");
  if (alarms) addAlarms(u, alarms.plan, alarms.at, (f) => `${u.name("#usage", "usage")}.${featureName(f)}`);
  return {
    TableName: db.table,
    Key: keys.wallet(customerId),
    ...u.build(),
    ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
  };
}

/** A guard as a condition on the wallet item (what the entitlement check evaluates in memory: core/models/guards.ts). */
function condition(u: UpdateExpression, guard: Guard, g: string, featureName: (feature: string) => string): string {
  switch (guard.kind) {
    case "limit": {
      u.value(g, guard.atMost);
      const path = `${u.name("#usage", "usage")}.${featureName(guard.feature)}`;
      return `(attribute_not_exists(${path}) AND :zero <= ${g} OR ${path} <= ${g})`;
    }
    case "spent":
      return `spent <= ${u.value(g, guard.atMost)}`;
    case "credits":
    case "balance":
      return `${guard.kind} >= ${u.value(g, guard.atLeast)}`;
  }
}
