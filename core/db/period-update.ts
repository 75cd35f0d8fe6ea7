/**
 * The wallet half of a period change (subscribe, close, plan change, cancel): the subscription
 * and the period counters are SET, while the pools that purchases move concurrently (credits,
 * purchased credits, top-ups, balance) change by ADD of (after - before), so a
 * purchase that lands between the read and this write is kept. Account credit is SET (see below). Conditioned on the wallet's version
 * and the subscription state that was read.
 */
import type { CloseLease, Wallet } from "../wallet";
import { dueAt as dueWithGrace } from "../periods/grace";
import type { Db } from "./client";
import { keys } from "./keys";
import { UpdateExpression } from "./update-expression";
import { appliedCouponItem, attachedAddOnsItem, creditGrantsItem } from "./wallets";

/** What a period change does to a catch-up's lease: keep it held until then, or release it. */
export type LeaseChange = { hold: CloseLease } | "release";

const PERIOD_COUNTERS = ["usage", "featureCost", "featureCredits", "planCredits", "creditsUsed", "allowance", "spent"];
const SUBSCRIPTION = ["planCode", "status", "anchor", "periodIndex", "periodStart", "periodEnd", "cancelAtPeriodEnd"];
const POOLS = ["credits", "purchasedCredits", "topUps", "balance"] as const;

export function periodUpdate(db: Db, before: Wallet, after: Wallet, lease?: LeaseChange) {
  const u = new UpdateExpression();
  // A wallet that never had a subscription has no status to set or compare (deleteCustomer's erasure).
  if (before.subscription || after.subscription) u.name("#status", "status");
  for (const attribute of PERIOD_COUNTERS) u.assign(attribute, after[attribute as keyof Wallet]);
  const sub = after.subscription;
  if (sub) {
    for (const attribute of SUBSCRIPTION) u.assign(attribute, sub[attribute as keyof typeof sub]);
    if (sub.scheduledPlanCode) u.assign("scheduledPlanCode", sub.scheduledPlanCode);
    else u.remove("scheduledPlanCode");
    if (sub.coupon) u.assign("coupon", appliedCouponItem(sub.coupon));
    else u.remove("coupon");
    // Add-ons (core/add-ons): attach and detach write one entry, conditioned on it; a period change writes them whole.
    if (sub.addOns?.length) u.assign("addOns", attachedAddOnsItem(sub.addOns));
    else if (before.subscription?.addOns?.length) u.remove("addOns");
    if (sub.baseDiscount !== undefined) u.assign("baseDiscount", sub.baseDiscount);
    else u.remove("baseDiscount");
    for (const attribute of ["trialEnd", "trialing", "trialReminderAt"] as const) {
      if (sub[attribute] !== undefined) u.assign(attribute, sub[attribute]);
      else u.remove(attribute);
    }
    // Due for the sweeper at the period's end, or earlier for a trial's reminder or when an ended
    // period's grace ends first (core/periods/grace.ts).
    const dueAtTime = dueWithGrace(after);
    if (dueAtTime) {
      const due = keys.due(after.customerId, dueAtTime);
      u.assign("gsi1pk", due.gsi1pk).assign("gsi1sk", due.gsi1sk);
    } else u.remove("gsi1pk", "gsi1sk");
    const renewsInto =
      sub.status !== "CANCELED" && !sub.cancelAtPeriodEnd ? (sub.scheduledPlanCode ?? sub.planCode) : undefined;
    if (renewsInto) {
      const member = keys.subscriberOf(renewsInto, after.customerId);
      u.assign("gsi4pk", member.gsi4pk).assign("gsi4sk", member.gsi4sk);
    } else u.remove("gsi4pk", "gsi4sk");
  }
  // Free credits (core/credit-grants/grant.ts): what each has left, settled by the period change.
  if (after.grants?.length) u.assign("grants", after.grants);
  else if (before.grants?.length) u.remove("grants");
  if (after.grantsBase) u.assign("grantsBase", after.grantsBase);
  else if (before.grantsBase !== undefined) u.remove("grantsBase");
  if (after.grantsGranted) u.assign("grantsGranted", after.grantsGranted);
  else if (before.grantsGranted !== undefined) u.remove("grantsGranted");
  // What holds kept of expired grants goes to nobody at a period change (core/wallet.ts openPeriod).
  if (after.heldExpired) u.assign("heldExpired", after.heldExpired);
  else if (before.heldExpired !== undefined) u.remove("heldExpired");
  // The ended period in its grace: written by the roll that ends it, removed by the issue of its invoice.
  if (after.ended && after.ended !== before.ended) u.assign("ended", after.ended);
  else if (before.ended && !after.ended) u.remove(u.name("#ended", "ended"));
  // Seats and quota levels (core/models/levels.ts): a period change restarts the peaks, or ends both.
  if (after.levels) u.assign("levels", after.levels).assign("peaks", after.peaks ?? after.levels);
  else if (before.levels) u.remove("levels", "peaks");
  u.add(`#version ${u.value(":one", 1)}`);
  u.name("#version", "version");
  if (lease === "release") u.remove("closeLeaseOwner", "closeLeaseUntil");
  else if (lease) u.assign("closeLeaseOwner", lease.hold.owner).assign("closeLeaseUntil", lease.hold.until);
  // Account credit is only written by period changes and grants, both of which bump the version
  // this write is conditioned on: it is SET whole, never lost to a concurrent write.
  u.assign("accountCreditGrants", creditGrantsItem(after.creditGrants)).assign("accountCredit", after.accountCredit);
  for (const attribute of POOLS) {
    const delta = after[attribute] - before[attribute];
    if (delta !== 0n) u.add(`${attribute} ${u.value(`:d_${attribute}`, delta)}`);
  }
  u.value(":version", before.version);
  u.when("attribute_exists(pk)");
  u.when(before.version === 0 ? "(attribute_not_exists(#version) OR #version = :version)" : "#version = :version");
  whenSubscriptionAsRead(u, before);
  return { TableName: db.table, Key: keys.wallet(after.customerId), ...u.build() };
}

/** The subscription must still be as it was read: plan, period, status, scheduled changes. */
function whenSubscriptionAsRead(u: UpdateExpression, before: Wallet): void {
  const was = before.subscription;
  if (!was) {
    u.when("attribute_not_exists(planCode)");
    return;
  }
  u.value(":wasPlan", was.planCode);
  u.value(":wasStart", was.periodStart);
  u.value(":wasStatus", was.status);
  u.value(":wasCancel", was.cancelAtPeriodEnd);
  u.when("planCode = :wasPlan").when("periodStart = :wasStart").when("#status = :wasStatus");
  u.when("cancelAtPeriodEnd = :wasCancel");
  if (was.scheduledPlanCode) u.when(`scheduledPlanCode = ${u.value(":wasScheduled", was.scheduledPlanCode)}`);
  else u.when("attribute_not_exists(scheduledPlanCode)");
}
