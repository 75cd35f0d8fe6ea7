/**
 * The wallet item: reading it, creating it, and the catch-up lease. What usage and period changes
 * write to it: ./usage-update.ts, ./period-update.ts.
 */
import { byAttachment, type CloseLease, type Wallet } from "../wallet";
import type { Db } from "./client";
import { UpdateCommand } from "./commands";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { big, bigMap, getItem, int, type Item } from "./items";
import { ItemType, keys } from "./keys";
import { alarmsOf } from "./alarm-update";
import type { EndedPeriod } from "../periods/grace";
import type { InvoiceLine } from "../invoices/invoice";
import { creditLeft, type CreditGrant } from "../account-credit/grant";
import type { AppliedCoupon } from "../coupons/coupon";
import type { AttachedAddOn } from "../add-ons/add-on";

/** The id of the grant that holds account credit recorded before grants existed (issue 12's remainders). */
export const LEGACY_GRANT_ID = "remainder~before-grants";

/** A coupon as a subscription holds it (the wallet's `coupon` map). */
export function appliedCouponItem(c: AppliedCoupon): Item {
  return {
    code: c.code,
    currency: c.currency,
    duration: c.duration,
    planCodes: c.planCodes,
    ...(c.percentOffBps !== undefined ? { percentOffBps: c.percentOffBps } : {}),
    ...(c.amountOff !== undefined ? { amountOff: c.amountOff } : {}),
    ...(c.remainingCycles !== undefined ? { remainingCycles: c.remainingCycles } : {}),
  };
}

function toAppliedCoupon(item: Item): AppliedCoupon {
  return {
    code: item.code as string,
    currency: item.currency as string,
    duration: item.duration as AppliedCoupon["duration"],
    planCodes: (item.planCodes as string[] | undefined) ?? [],
    ...(item.percentOffBps !== undefined ? { percentOffBps: int(item.percentOffBps) } : {}),
    ...(item.amountOff !== undefined ? { amountOff: big(item.amountOff) } : {}),
    ...(item.remainingCycles !== undefined ? { remainingCycles: int(item.remainingCycles) } : {}),
  };
}

/** A subscription's add-ons as stored: the wallet's `addOns` map, code -> terms (conditional writes address one entry). */
export const attachedAddOnsItem = (addOns: readonly AttachedAddOn[]): Item =>
  Object.fromEntries(addOns.map((a) => [a.code, attachedAddOnItem(a)]));

export function attachedAddOnItem(a: AttachedAddOn): Item {
  return {
    name: a.name,
    feature: a.feature,
    price: a.price,
    currency: a.currency,
    ...(a.grants !== undefined ? { grants: a.grants } : {}),
    quantity: a.quantity,
    attachedAt: a.attachedAt,
    ...(a.detaching ? { detaching: true } : {}),
  };
}

/** The stored map (or, inside an ended period, the list) as the subscription's add-ons, in the order attached (`byAttachment`). */
export function toAttachedAddOns(stored: unknown): AttachedAddOn[] {
  const entries: [string, Item][] = Array.isArray(stored)
    ? (stored as Item[]).map((a) => [a.code as string, a])
    : Object.entries((stored ?? {}) as Record<string, Item>);
  return entries
    .map(([code, a]) => ({
      code,
      name: a.name as string,
      feature: a.feature as string,
      price: big(a.price),
      currency: a.currency as string,
      ...(a.grants !== undefined ? { grants: big(a.grants) } : {}),
      quantity: int(a.quantity),
      attachedAt: a.attachedAt as string,
      ...(a.detaching ? { detaching: true } : {}),
    }))
    .sort(byAttachment);
}

/** A stored account credit grant (the wallet's `accountCreditGrants` map: id -> grant). */
export function creditGrantItem(g: CreditGrant): Item {
  return {
    amount: g.amount,
    remaining: g.remaining,
    currency: g.currency,
    reason: g.reason,
    createdAt: g.createdAt,
    ...(g.expiresAt ? { expiresAt: g.expiresAt } : {}),
  };
}

export const creditGrantsItem = (grants: readonly CreditGrant[]): Item =>
  Object.fromEntries(grants.map((g) => [g.id, creditGrantItem(g)]));

/**
 * The wallet's grants. A wallet written before grants existed holds its account credit as a sum
 * only: that sum becomes one grant without expiry (its currency, the plan's, is filled in by
 * loadWallet), so nothing recorded is lost and it is applied like any other.
 */
function toCreditGrants(item: Item): CreditGrant[] {
  const stored = (item.accountCreditGrants ?? {}) as Record<string, Item>;
  const grants: CreditGrant[] = Object.entries(stored).map(([id, g]) => ({
    id,
    amount: big(g.amount),
    remaining: big(g.remaining),
    currency: g.currency as string,
    reason: g.reason as string,
    createdAt: g.createdAt as string,
    ...(g.expiresAt ? { expiresAt: g.expiresAt as string } : {}),
  }));
  const unrecorded = big(item.accountCredit) - creditLeft(grants);
  if (item.accountCreditGrants === undefined && unrecorded > 0n)
    grants.push({
      id: LEGACY_GRANT_ID,
      amount: unrecorded,
      remaining: unrecorded,
      currency: "",
      reason: "Invoice remainders recorded before account credit grants",
      createdAt: "1970-01-01T00:00:00.000Z",
      storedAsSum: true,
    });
  return grants;
}

export function toWallet(item: Item): Wallet {
  const wallet: Wallet = {
    customerId: item.customerId as string,
    version: int(item.version),
    usage: bigMap(item.usage),
    featureCost: bigMap(item.featureCost),
    featureCredits: bigMap(item.featureCredits),
    planCredits: big(item.planCredits),
    creditsUsed: big(item.creditsUsed),
    purchasedCredits: big(item.purchasedCredits),
    credits: big(item.credits),
    allowance: big(item.allowance),
    topUps: big(item.topUps),
    spent: big(item.spent),
    balance: big(item.balance),
    accountCredit: big(item.accountCredit),
    creditGrants: toCreditGrants(item),
    heldCredits: big(item.heldCredits),
    heldAmount: big(item.heldAmount),
    heldUsage: heldUsageOf(item),
    holdsMade: int(item.holdsMade),
    ...(item.holdsDueAt ? { holdsDueAt: item.holdsDueAt as string } : {}),
    ...(item.holds ? { holds: holdsOf(item.holds as Record<string, string>) } : {}),
  };
  Object.assign(wallet, alarmsOf(item));
  if (item.grants) {
    wallet.grants = (item.grants as Item[]).map((g) => ({
      id: g.id as string,
      credits: big(g.credits),
      ...(g.expiresAt ? { expiresAt: g.expiresAt as string } : {}),
    }));
  }
  if (item.levels) wallet.levels = bigMap(item.levels);
  if (item.peaks) wallet.peaks = bigMap(item.peaks);
  if (item.grantsBase !== undefined) wallet.grantsBase = big(item.grantsBase);
  if (item.grantsGranted !== undefined) wallet.grantsGranted = big(item.grantsGranted);
  if (item.heldExpired !== undefined && big(item.heldExpired) !== 0n) wallet.heldExpired = big(item.heldExpired);
  if (item.ended) wallet.ended = toEnded(item.ended as Item);
  if (item.closeLeaseOwner)
    wallet.closeLease = { owner: item.closeLeaseOwner as string, until: int(item.closeLeaseUntil) };
  if (item.planCode) {
    wallet.subscription = {
      planCode: item.planCode as string,
      status: item.status as "ACTIVE" | "CANCELED",
      anchor: item.anchor as string,
      periodIndex: int(item.periodIndex),
      periodStart: item.periodStart as string,
      periodEnd: item.periodEnd as string,
      cancelAtPeriodEnd: Boolean(item.cancelAtPeriodEnd),
      ...(item.scheduledPlanCode ? { scheduledPlanCode: item.scheduledPlanCode as string } : {}),
      ...(item.coupon ? { coupon: toAppliedCoupon(item.coupon as Item) } : {}),
      ...(item.baseDiscount !== undefined ? { baseDiscount: big(item.baseDiscount) } : {}),
      ...(item.trialEnd ? { trialEnd: item.trialEnd as string } : {}),
      ...(item.trialing ? { trialing: true } : {}),
      ...(item.trialReminderAt ? { trialReminderAt: item.trialReminderAt as string } : {}),
    };
    const addOns = toAttachedAddOns(item.addOns);
    if (addOns.length) wallet.subscription.addOns = addOns;
  }
  return wallet;
}

/**
 * Held units are one top-level Number per feature (`held:<feature>`), moved by ADD, which needs no
 * map to exist: wallets that never reserve carry none of them, so a plain track's item is as small
 * as before reservations existed.
 */
/**
 * An open hold's expiry as the wallet's `holds` map stores it (core/README.md "Open holds on the
 * wallet"): its epoch milliseconds in base 36, 8 characters until the year 2059, instead of the
 * 24-character ISO instant. Every write of the wallet carries the map (in its write units on AWS,
 * and in the item and stream image DynamoDB Local serializes twice a pair), so each open hold costs
 * 16 bytes less. Exact: an expiry is an ISO instant of whole milliseconds and comes back as the same
 * string. **Migration:** entries written before (ISO instants) stay as they are and are read as
 * they are (an ISO instant has a "T", base 36 as written here never: digits and lower case); a map
 * may hold both until its older entries end; nothing is rewritten.
 */
export const holdStamp = (expiresAt: string): string => Date.parse(expiresAt).toString(36);
export const holdExpiryOf = (stored: string): string =>
  stored.includes("T") ? stored : new Date(Number.parseInt(stored, 36)).toISOString();
const holdsOf = (stored: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(stored).map(([key, at]) => [key, holdExpiryOf(at)]));

export const HELD_USAGE_PREFIX = "held:";
export const heldUsageAttribute = (feature: string) => `${HELD_USAGE_PREFIX}${feature}`;

function heldUsageOf(item: Item): Record<string, bigint> {
  const held: Record<string, bigint> = {};
  for (const name in item)
    if (name.startsWith(HELD_USAGE_PREFIX) && Object.hasOwn(item, name))
      held[name.slice(HELD_USAGE_PREFIX.length)] = big(item[name]);
  return held;
}

/** A period in its grace period (core/periods/grace.ts), as stored in the wallet's `ended` map. */
function toEnded(item: Item): EndedPeriod {
  const sub = item.subscription as Item;
  const fee = item.baseFee as Item[] | undefined;
  return {
    subscription: {
      planCode: sub.planCode as string,
      status: sub.status as "ACTIVE" | "CANCELED",
      anchor: sub.anchor as string,
      periodIndex: int(sub.periodIndex),
      periodStart: sub.periodStart as string,
      periodEnd: sub.periodEnd as string,
      cancelAtPeriodEnd: Boolean(sub.cancelAtPeriodEnd),
      // A late event in a free trial meets the trial's guards (core/usage/price.ts).
      ...(sub.trialing ? { trialing: true } : {}),
      // Its add-ons' grants count in its included units (core/add-ons).
      ...(sub.addOns ? { addOns: toAttachedAddOns(sub.addOns) } : {}),
    },
    graceEnd: item.graceEnd as string,
    ...(fee?.length
      ? {
          baseFee: fee.map(
            (l): InvoiceLine => ({
              kind: l.kind as InvoiceLine["kind"],
              description: l.description as string,
              ...(l.feature ? { feature: l.feature as string } : {}),
              quantity: big(l.quantity),
              unitPrice: big(l.unitPrice),
              amount: big(l.amount),
              ...(l.periodStart ? { periodStart: l.periodStart as string, periodEnd: l.periodEnd as string } : {}),
            }),
          ),
        }
      : {}),
    usage: bigMap(item.usage),
    featureCost: bigMap(item.featureCost),
    featureCredits: bigMap(item.featureCredits),
    planCredits: big(item.planCredits),
    creditsUsed: big(item.creditsUsed),
    credits: big(item.credits),
    allowance: big(item.allowance),
    topUps: big(item.topUps),
    spent: big(item.spent),
    balance: big(item.balance),
    ...(item.levels ? { levels: bigMap(item.levels), peaks: bigMap(item.peaks ?? item.levels) } : {}),
  };
}

/** The full item for a wallet, e.g. for its creation (hold counters only once a reservation sets them). */
export function walletItem(wallet: Wallet): Item {
  const {
    subscription,
    closeLease: _lease,
    creditGrants,
    heldCredits: _hc,
    heldAmount: _ha,
    heldUsage: _hu,
    holdsMade: _hm,
    holdsDueAt: _hd,
    holds: _holds,
    ...counters
  } = wallet;
  return {
    ...keys.wallet(wallet.customerId),
    type: ItemType.WALLET,
    ...counters,
    accountCreditGrants: creditGrantsItem(creditGrants),
    ...(subscription ?? {}),
    ...(subscription?.coupon ? { coupon: appliedCouponItem(subscription.coupon) } : {}),
    ...(subscription?.addOns ? { addOns: attachedAddOnsItem(subscription.addOns) } : {}),
  };
}

export async function getWallet(db: Db, customerId: string): Promise<Wallet | undefined> {
  const item = await getItem(db, keys.wallet(customerId));
  return item && toWallet(item);
}

/**
 * Claims the catch-up lease of a wallet as it was read (its version, which the claim bumps, so a
 * period change computed before the claim cannot land after it). False when the wallet changed or
 * another live lease holds it.
 */
export async function claimCloseLease(db: Db, wallet: Wallet, lease: CloseLease, now: number): Promise<boolean> {
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: keys.wallet(wallet.customerId),
        UpdateExpression: "SET closeLeaseOwner = :owner, closeLeaseUntil = :until ADD #version :one",
        ConditionExpression:
          "#version = :version AND (attribute_not_exists(closeLeaseUntil) OR closeLeaseUntil < :now OR closeLeaseOwner = :owner)",
        ExpressionAttributeNames: { "#version": "version" },
        ExpressionAttributeValues: {
          ":owner": lease.owner,
          ":until": lease.until,
          ":one": 1,
          ":version": wallet.version,
          ":now": now,
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
