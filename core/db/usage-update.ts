/**
 * The wallet half of a usage transaction: commutative ADDs, conditioned on the subscription
 * period the charges were priced in (so nothing is booked into a period that a close has ended, or
 * priced on a plan that was changed meanwhile) and on the charges' guards.
 */
import type { Amount } from "../money";
import type { Guard, WalletDelta } from "../models/types";
import type { Db } from "./client";
import { keys } from "./keys";
import { UpdateExpression } from "./update-expression";
import { addAlarms } from "./alarm-update";
import type { AlarmPlan } from "../alerts/crossing";
import { heldUsageAttribute, holdStamp } from "./wallets";
import { MAX_OPEN_HOLDS } from "../wallet";

/**
 * What a reservation moves between available and held (core/reservations): positive holds,
 * negative gives back. `due`: a new hold, counted in `holdsMade`, that expires at `at`; `seen` is
 * the wallet's `holdsDueAt` as priced on (the earliest expiry is kept, conditioned on what was seen).
 */
export type HoldMove = {
  feature: string;
  quantity: Amount;
  credits: Amount;
  amount: Amount;
  due?: { at: string; seen?: string };
  /**
   * A give-back on a wallet whose holds keep credits of expired grants (core/wallet.ts
   * expiredHeldCredits), as computed on the wallet read: `seen` of them with `heldSeen` credits
   * held, both asserted unchanged; `consumed` pays for the settle's charge, `lost` goes to nobody.
   * A give-back without it asserts that no hold keeps any.
   */
  expired?: { seen: Amount; heldSeen: Amount; consumed: Amount; lost: Amount };
  /**
   * The hold's entry in the wallet's `holds` map (core/wallet.ts): set by a new hold (`due`),
   * removed by a give-back. `map`: whether the wallet priced on had the map, asserted, so a failed
   * try retries on the wallet as it is (a reserve on a wallet without one creates it; a give-back
   * on one removes nothing: its hold was made before the map, a legacy hold). `exact`: a give-back
   * asserts the entry itself is there (a `walletHeld` reservation is open exactly while it is:
   * core/reservations/reservation.ts), so of its ends racing one wins.
   */
  entry?: { key: string; map: boolean; exact?: boolean };
};

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
  /** A reservation's hold, moved in the same update (never on a plain track). */
  hold?: HoldMove;
  /**
   * A write lowering a counter (adjustUsage): the held units it saw per feature. The counter holds
   * usage plus held units, so "usage stays at or above zero" is "the counter stays at or above
   * what is held", with the held units asserted unchanged.
   */
  heldSeen?: Record<string, Amount>;
};

export function usageUpdate(
  db: Db,
  { customerId, period, delta, guards, noDepletion = false, alarms, hold, heldSeen }: UsageUpdate,
) {
  const u = new UpdateExpression();
  u.name("#status", "status");
  u.value(":active", "ACTIVE");
  u.value(":plan", period.planCode);
  u.value(":ps", period.periodStart);
  u.value(":zero", 0n);
  let n = 0;
  const featureName = (feature: string) => u.nameOf(feature) ?? u.name(`#f${n++}`, feature);
  const usage = hold
    ? { ...delta.usage, [hold.feature]: (delta.usage[hold.feature] ?? 0n) + hold.quantity }
    : delta.usage;
  for (const [map, perFeature] of [
    ["usage", usage],
    ["featureCost", delta.featureCost],
    ["featureCredits", delta.featureCredits],
  ] as const) {
    for (const [feature, value] of Object.entries(perFeature)) {
      const path = `${u.name(`#${map}`, map)}.${featureName(feature)}`;
      u.set(`${path} = if_not_exists(${path}, :zero) + ${u.value(`:v${n++}`, value)}`);
      // A correction lowering a counter (adjustUsage) never takes it below zero; tracks only add.
      // The usage counter also holds open reservations' units: usage stays at or above zero.
      const seen = map === "usage" ? (heldSeen?.[feature] ?? 0n) : 0n;
      if (value < 0n) u.when(`${path} >= ${u.value(`:v${n++}`, seen - value)}`);
      if (value < 0n && map === "usage" && heldSeen) {
        const held = u.name(`#h${n++}`, heldUsageAttribute(feature));
        u.when(
          seen === 0n ? `(attribute_not_exists(${held}) OR ${held} = :zero)` : `${held} = ${u.value(`:v${n++}`, seen)}`,
        );
      }
    }
  }
  u.add(`${u.name("#version", "version")} ${u.value(":one", 1)}`);
  // What the hold moves between held and available: a give-back's held credits of expired grants
  // are consumed (used from no pool) or lost, not made available (core/wallet.ts expiredHeldCredits).
  const { consumed, lost } = hold?.expired ?? { consumed: 0n, lost: 0n };
  const heldCredits = (hold?.credits ?? 0n) + lost;
  const heldAmount = hold?.amount ?? 0n;
  if (delta.credits !== 0n && consumed === 0n) {
    u.value(":burn", delta.credits);
    u.value(":negBurn", -delta.credits - heldCredits);
    u.add("credits :negBurn").add("creditsUsed :burn");
  } else if (delta.credits !== 0n) {
    // A settle (never noDepletion): what expired grants' held credits paid is used from no pool.
    u.add(`credits ${u.value(":negBurn", -delta.credits - heldCredits)}`);
    if (delta.credits !== consumed) u.add(`creditsUsed ${u.value(":burn", delta.credits - consumed)}`);
  } else if (heldCredits !== 0n) u.add(`credits ${u.value(":negHeldCredits", -heldCredits)}`);
  if (delta.cost !== 0n) {
    u.value(":cost", delta.cost);
    u.value(":negCost", -delta.cost - heldAmount);
    u.add("spent :cost").add("balance :negCost");
  } else if (heldAmount !== 0n) u.add(`balance ${u.value(":negHeldAmount", -heldAmount)}`);
  if (hold) holdClauses(u, hold);
  // A settle charging less than its hold gives funds back: like a purchase, it bumps `alarmsRev`,
  // so usage writes decided on a view from before decide again (core/alerts).
  if (hold && (delta.credits + heldCredits < 0n || delta.cost + heldAmount < 0n))
    u.add(`${u.name("#alarmsRev", "alarmsRev")} :one`);
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

/** The hold counters a reservation moves (credits and balance themselves are moved above, with the charge's). */
function holdClauses(u: UpdateExpression, hold: HoldMove): void {
  if (hold.credits !== 0n) u.add(`heldCredits ${u.value(":heldCredits", hold.credits)}`);
  if (hold.credits < 0n) expiredClauses(u, hold.expired);
  if (hold.amount !== 0n) u.add(`heldAmount ${u.value(":heldAmount", hold.amount)}`);
  if (hold.quantity !== 0n)
    u.add(`${u.name("#heldUsage", heldUsageAttribute(hold.feature))} ${u.value(":heldUsage", hold.quantity)}`);
  entryClauses(u, hold);
  if (!hold.due) return;
  u.add("holdsMade :one");
  const { at, seen } = hold.due;
  // Keep the earliest expiry: set ours when it is earlier than what is there, else assert that
  // what we saw is still there (a lazy expiry may have moved it since; then we decide again).
  if (seen === undefined || seen >= at) {
    u.set(`holdsDueAt = ${u.value(":holdsDueAt", at)}`);
    u.when("(attribute_not_exists(holdsDueAt) OR holdsDueAt >= :holdsDueAt)");
  } else u.when(`holdsDueAt = ${u.value(":holdsSeen", seen)}`);
}

/**
 * The hold's entry in the wallet's open holds (HoldMove.entry): a new hold sets it, refused past
 * MAX_OPEN_HOLDS (the wallet item's size bound); a give-back removes it.
 */
export function entryClauses(u: UpdateExpression, hold: Pick<HoldMove, "due" | "entry">): void {
  const { entry, due } = hold;
  if (!entry) return;
  const holds = u.name("#holds", "holds");
  if (!entry.map) {
    u.when(`attribute_not_exists(${holds})`);
    if (due) u.set(`${holds} = ${u.value(":holds", { [entry.key]: holdStamp(due.at) })}`);
    return;
  }
  const path = `${holds}.${u.name("#holdKey", entry.key)}`;
  if (due) {
    u.set(`${path} = ${u.value(":holdAt", holdStamp(due.at))}`);
    u.when(`size(${holds}) < ${u.value(":maxHolds", MAX_OPEN_HOLDS)}`);
  } else {
    u.remove(path);
    u.when(`attribute_exists(${entry.exact ? path : holds})`);
  }
}

/**
 * A give-back's conditions on what holds keep of expired grants: none kept, or exactly what was
 * seen with exactly the credits held that were seen, so that the holds still open after it keep
 * no more than they hold (core/wallet.ts expiredHeldCredits). Only a wallet whose grant expired
 * under a hold ever has them; every other give-back just finds the attribute absent.
 */
export function expiredClauses(u: UpdateExpression, expired: HoldMove["expired"]): void {
  const name = u.name("#heldExpired", "heldExpired");
  if (!expired) {
    u.when(`(attribute_not_exists(${name}) OR ${name} = ${u.value(":noneKept", 0n)})`);
    return;
  }
  u.when(`${name} = ${u.value(":keptSeen", expired.seen)}`);
  u.when(`heldCredits = ${u.value(":heldSeen", expired.heldSeen)}`);
  const gone = expired.consumed + expired.lost;
  if (gone !== 0n) u.add(`${name} ${u.value(":keptGone", -gone)}`);
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
