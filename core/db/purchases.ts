import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { InvoiceDraft } from "../invoices/invoice";
import type { Purchase } from "../purchases/purchase";
import { writeWithInvoices, type EventsFor, type Written } from "./group-commit";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { Db } from "./client";
import { big, getItem, type Item } from "./items";
import { ItemType, keys } from "./keys";
import { forgetWallet } from "./wallet-cache";

/**
 * Records the purchase, adds it to the wallet and writes its invoice, in one transaction. The
 * wallet must still be on `planCode` (whose model and currency the purchase was checked against) and its
 * pools must stay within `ceiling` after the addition (core/bounds.ts).
 * "replayed" when the same purchase was recorded before under this key (nothing is written),
 * "reused" when the key recorded another one, "walletChanged" when the wallet no longer met the
 * condition (another plan, or a pool too full): the caller reads it again and decides.
 */
export async function recordPurchase(
  db: Db,
  p: Purchase,
  invoice: InvoiceDraft,
  eventsFor: EventsFor,
  wallet: { planCode: string; ceiling: bigint },
): Promise<{ outcome: "recorded"; written: Written } | { outcome: "replayed" | "reused" | "walletChanged" }> {
  const [first, second] = p.kind === "CREDIT_PACK" ? ["credits", "purchasedCredits"] : ["topUps", "balance"];
  const written = await writeWithInvoices(
    db,
    [
      {
        Put: {
          TableName: db.table,
          Item: { ...keys.purchase(p.customerId, p.idempotencyKey), type: ItemType.PURCHASE, ...p },
          ConditionExpression: "attribute_not_exists(pk)",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      },
      {
        Update: {
          TableName: db.table,
          Key: keys.wallet(p.customerId),
          // Funds arriving re-arm the low-funds thresholds: alarmsRev tells usage writes (core/alerts).
          UpdateExpression: `ADD ${first} :n, ${second} :n, #version :one, #alarmsRev :one`,
          ConditionExpression: `attribute_exists(pk) AND planCode = :plan AND (attribute_not_exists(${first}) OR ${first} <= :cap) AND (attribute_not_exists(${second}) OR ${second} <= :cap)`,
          ExpressionAttributeNames: { "#version": "version", "#alarmsRev": "alarmsRev" },
          ExpressionAttributeValues: {
            ":n": p.kind === "CREDIT_PACK" ? p.credits : p.amount,
            ":one": 1,
            ":plan": wallet.planCode,
            ":cap": wallet.ceiling,
          },
        },
      },
    ],
    [invoice],
    eventsFor,
  ).finally(() => forgetWallet(db, p.customerId));
  if (written.ok) return { outcome: "recorded", written };
  const old = written.reasons[0]?.Item;
  if (!old) {
    if (written.reasons[1]?.Code === "ConditionalCheckFailed") return { outcome: "walletChanged" };
    throw new Error(`purchase for ${p.customerId} refused for no known reason`);
  }
  const stored = unmarshall(old as Record<string, AttributeValue>, { wrapNumbers: true });
  return { outcome: samePurchase(stored, p) ? "replayed" : "reused" };
}

/** What an earlier purchase under this key is to `p`, without writing: none, the same one, or another. */
export async function findPurchase(db: Db, p: Omit<Purchase, "createdAt">): Promise<"none" | "replayed" | "reused"> {
  const stored = await getItem(db, keys.purchase(p.customerId, p.idempotencyKey));
  return !stored ? "none" : samePurchase(stored, p) ? "replayed" : "reused";
}

const samePurchase = (stored: Item, p: Omit<Purchase, "createdAt">) =>
  stored.kind === p.kind &&
  stored.packCode === p.packCode &&
  big(stored.credits) === p.credits &&
  big(stored.amount) === p.amount;
