import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { BillingEvent } from "../deps";
import type { Invoice, InvoiceDraft } from "../invoices/invoice";
import { writeWithInvoice } from "./invoices";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { Db } from "./client";
import { big, getItem, type Item } from "./items";
import { ItemType, keys } from "./keys";
import { forgetWallet } from "./wallet-cache";

export type Purchase = {
  kind: "CREDIT_PACK" | "TOP_UP";
  customerId: string;
  idempotencyKey: string;
  packCode?: string;
  credits: bigint;
  amount: bigint;
  price: bigint;
  currency: string;
  createdAt: string;
};

/**
 * Records the purchase, adds it to the wallet and writes its invoice, in one transaction.
 * "replayed" when the same purchase was recorded before under this key (nothing is written),
 * "reused" when the key recorded another one.
 */
export async function recordPurchase(
  db: Db,
  p: Purchase,
  invoice: InvoiceDraft,
  eventsFor: (invoice: Invoice) => BillingEvent[],
): Promise<{ outcome: "recorded"; invoice: Invoice } | { outcome: "replayed" | "reused" }> {
  const adds =
    p.kind === "CREDIT_PACK"
      ? "ADD credits :n, purchasedCredits :n, #version :one"
      : "ADD topUps :n, balance :n, #version :one";
  const written = await writeWithInvoice(
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
          UpdateExpression: adds,
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#version": "version" },
          ExpressionAttributeValues: { ":n": p.kind === "CREDIT_PACK" ? p.credits : p.amount, ":one": 1 },
        },
      },
    ],
    invoice,
    eventsFor,
  ).finally(() => forgetWallet(db, p.customerId));
  if (written.ok) return { outcome: "recorded", invoice: written.invoice! };
  const old = written.reasons[0]?.Item;
  if (!old) throw new Error(`purchase for missing wallet ${p.customerId}`);
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
