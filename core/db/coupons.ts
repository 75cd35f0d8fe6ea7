/**
 * Coupon items: created once, archived, listed from their partition, and redeemed by a transaction
 * item that counts the redemption only while the coupon takes new ones (not archived, below
 * `maxRedemptions`), in the same transaction as the subscription that takes it.
 */
import { UpdateCommand } from "./commands";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import type { Coupon } from "../coupons/coupon";
import type { Db } from "./client";
import { big, getItem, int, putNew, queryPrefix, type Item } from "./items";
import { ItemType, keys } from "./keys";
import type { TransactItem } from "./transact";

function toCoupon(item: Item): Coupon {
  return {
    code: item.code as string,
    name: item.name as string,
    currency: item.currency as string,
    duration: item.duration as Coupon["duration"],
    planCodes: (item.planCodes as string[] | undefined) ?? [],
    redemptions: int(item.redemptions),
    archived: Boolean(item.archived),
    createdAt: item.createdAt as string,
    ...(item.percentOffBps !== undefined ? { percentOffBps: int(item.percentOffBps) } : {}),
    ...(item.amountOff !== undefined ? { amountOff: big(item.amountOff) } : {}),
    ...(item.durationCycles !== undefined ? { durationCycles: int(item.durationCycles) } : {}),
    ...(item.maxRedemptions !== undefined ? { maxRedemptions: int(item.maxRedemptions) } : {}),
    ...(item.expiresAt !== undefined ? { expiresAt: item.expiresAt as string } : {}),
  };
}

export const insertCoupon = (db: Db, coupon: Coupon) =>
  putNew(db, { ...keys.coupon(coupon.code), type: ItemType.COUPON, ...coupon }, `coupon "${coupon.code}"`);

export async function getCoupon(db: Db, code: string): Promise<Coupon | undefined> {
  const item = await getItem(db, keys.coupon(code));
  return item && toCoupon(item);
}

export async function listCoupons(db: Db): Promise<Coupon[]> {
  return (await queryPrefix(db, keys.couponPartition(), keys.couponPrefix())).map(toCoupon);
}

/** Archives the coupon; false when there is none. */
export async function archiveCouponItem(db: Db, code: string): Promise<boolean> {
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: keys.coupon(code),
        UpdateExpression: "SET archived = :t",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":t": true },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** One more redemption of `coupon`, only while it takes new ones: the cap holds under any concurrency. */
export function redemption(db: Db, coupon: Coupon): TransactItem {
  const capped = coupon.maxRedemptions !== undefined;
  return {
    Update: {
      TableName: db.table,
      Key: keys.coupon(coupon.code),
      UpdateExpression: "ADD redemptions :one",
      ConditionExpression: `attribute_exists(pk) AND archived = :f${capped ? " AND (attribute_not_exists(redemptions) OR redemptions < :max)" : ""}`,
      ExpressionAttributeValues: { ":one": 1, ":f": false, ...(capped ? { ":max": coupon.maxRedemptions } : {}) },
    },
  };
}
