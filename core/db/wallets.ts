/**
 * The wallet item: reading it, creating it, and the catch-up lease. What usage and period changes
 * write to it: ./usage-update.ts, ./period-update.ts.
 */
import type { CloseLease, Wallet } from "../wallet";
import type { Db } from "./client";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { big, bigMap, getItem, int, type Item } from "./items";
import { ItemType, keys } from "./keys";
import { alarmsOf } from "./alarm-update";

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
  };
  Object.assign(wallet, alarmsOf(item));
  if (item.grants) {
    wallet.grants = (item.grants as Item[]).map((g) => ({
      id: g.id as string,
      credits: big(g.credits),
      ...(g.expiresAt ? { expiresAt: g.expiresAt as string } : {}),
    }));
  }
  if (item.grantsBase !== undefined) wallet.grantsBase = big(item.grantsBase);
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
    };
  }
  return wallet;
}

/** The full item for a wallet, e.g. for its creation. */
export function walletItem(wallet: Wallet): Item {
  const { subscription, closeLease: _lease, ...counters } = wallet;
  return { ...keys.wallet(wallet.customerId), type: ItemType.WALLET, ...counters, ...(subscription ?? {}) };
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
