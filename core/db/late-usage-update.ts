/**
 * The wallet half of a late usage transaction (core/usage/late.ts, and a correction of the ended
 * period: core/usage/adjust.ts): the same counters a usage write
 * moves, in the wallet's `ended` map (core/periods/grace.ts) instead of the running period's,
 * conditioned on that ended period still being there (its invoice not yet issued) and on the
 * charges' guards against its counters. Nested attributes take no ADD, so the counters are SET to
 * themselves plus the delta, which is still commutative: it reads the item as DynamoDB applies it.
 */
import type { Guard } from "../models/types";
import type { Db } from "./client";
import { keys } from "./keys";
import { UpdateExpression } from "./update-expression";
import type { UsageUpdate } from "./usage-update";

export function lateUsageUpdate(db: Db, { customerId, period, delta, guards }: UsageUpdate) {
  const u = new UpdateExpression();
  const ended = u.name("#ended", "ended");
  const at = (attribute: string) => `${ended}.${u.name(`#e_${attribute}`, attribute)}`;
  u.value(":zero", 0n);
  let n = 0;
  const featureName = (feature: string) => u.nameOf(feature) ?? u.name(`#f${n++}`, feature);
  for (const [map, perFeature] of [
    ["usage", delta.usage],
    ["featureCost", delta.featureCost],
    ["featureCredits", delta.featureCredits],
  ] as const) {
    for (const [feature, value] of Object.entries(perFeature)) {
      const path = `${at(map)}.${featureName(feature)}`;
      u.set(`${path} = if_not_exists(${path}, :zero) + ${u.value(`:v${n++}`, value)}`);
      // A correction lowering the ended period's counter (adjustUsage) never takes it below zero.
      if (value < 0n) u.when(`${path} >= ${u.value(`:v${n++}`, -value)}`);
    }
  }
  if (delta.credits !== 0n) {
    u.value(":burn", delta.credits);
    u.set(`${at("credits")} = ${at("credits")} - :burn`).set(`${at("creditsUsed")} = ${at("creditsUsed")} + :burn`);
  }
  if (delta.cost !== 0n) {
    u.value(":cost", delta.cost);
    u.set(`${at("spent")} = ${at("spent")} + :cost`).set(`${at("balance")} = ${at("balance")} - :cost`);
  }
  u.add(`${u.name("#version", "version")} ${u.value(":one", 1)}`);
  const sub = `${ended}.${u.name("#e_subscription", "subscription")}`;
  u.when(`${sub}.periodStart = ${u.value(":ps", period.periodStart)}`);
  u.when(`${sub}.planCode = ${u.value(":plan", period.planCode)}`);
  for (const [i, guard] of guards.entries()) u.when(condition(u, guard, `:g${i}`, at, featureName));
  return {
    TableName: db.table,
    Key: keys.wallet(customerId),
    ...u.build(),
    ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
  };
}

/** A guard as a condition on the ended period's counters (as ./usage-update.ts on the running period's). */
function condition(
  u: UpdateExpression,
  guard: Guard,
  g: string,
  at: (attribute: string) => string,
  featureName: (feature: string) => string,
): string {
  switch (guard.kind) {
    case "limit": {
      u.value(g, guard.atMost);
      const path = `${at("usage")}.${featureName(guard.feature)}`;
      return `(attribute_not_exists(${path}) AND :zero <= ${g} OR ${path} <= ${g})`;
    }
    case "spent":
      return `${at("spent")} <= ${u.value(g, guard.atMost)}`;
    case "credits":
    case "balance":
      return `${at(guard.kind)} >= ${u.value(g, guard.atLeast)}`;
  }
}
