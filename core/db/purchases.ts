import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { InvoiceDraft } from "../invoices/invoice";
import type { Purchase } from "../purchases/purchase";
import { writeWithInvoices, type EventsFor, type Written } from "./group-commit";
import type { TransactItem } from "./transact";
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
 *
 * The record names its invoice (`invoiceId`, also answered on a replay). A purchase granted on
 * payment (`p.grantOnPayment`) adds nothing now: the wallet is only checked (still on `planCode`),
 * and the invoice carries the grant until it is paid.
 */
export async function recordPurchase(
  db: Db,
  p: Purchase,
  invoice: InvoiceDraft,
  eventsFor: EventsFor,
  wallet: { planCode: string; ceiling: bigint },
): Promise<
  | { outcome: "recorded"; written: Written }
  | { outcome: "replayed"; invoiceId?: string }
  | { outcome: "reused" }
  | { outcome: "walletChanged" }
> {
  const [first, second] = p.kind === "CREDIT_PACK" ? ["credits", "purchasedCredits"] : ["topUps", "balance"];
  const record = (invoiceId?: string): TransactItem => ({
    Put: {
      TableName: db.table,
      Item: {
        ...keys.purchase(p.customerId, p.idempotencyKey),
        type: ItemType.PURCHASE,
        ...p,
        ...(invoiceId ? { invoiceId } : {}),
      },
      ConditionExpression: "attribute_not_exists(pk)",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    },
  });
  const checkOnly: TransactItem = {
    ConditionCheck: {
      TableName: db.table,
      Key: keys.wallet(p.customerId),
      ConditionExpression: "attribute_exists(pk) AND planCode = :plan",
      ExpressionAttributeValues: { ":plan": wallet.planCode },
    },
  };
  const written = await writeWithInvoices(
    db,
    [
      record(),
      p.grantOnPayment
        ? checkOnly
        : {
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
    ([, wallet], [issued]) => [record(issued!.id), wallet!],
  ).finally(() => forgetWallet(db, p.customerId));
  if (written.ok) return { outcome: "recorded", written };
  const old = written.reasons[0]?.Item;
  if (!old) {
    if (written.reasons[1]?.Code === "ConditionalCheckFailed") return { outcome: "walletChanged" };
    throw new Error(`purchase for ${p.customerId} refused for no known reason`);
  }
  const stored = unmarshall(old as Record<string, AttributeValue>, { wrapNumbers: true });
  if (!samePurchase(stored, p)) return { outcome: "reused" };
  return { outcome: "replayed", ...(stored.invoiceId ? { invoiceId: stored.invoiceId as string } : {}) };
}

/**
 * What an earlier purchase under this key is to `p`, without writing: none, the same one (with the
 * invoice it names, for a purchase granted on payment), or another.
 */
export async function findPurchase(
  db: Db,
  p: Omit<Purchase, "createdAt">,
): Promise<"none" | "reused" | { replayed: true; invoiceId?: string }> {
  const stored = await getItem(db, keys.purchase(p.customerId, p.idempotencyKey));
  if (!stored) return "none";
  if (!samePurchase(stored, p)) return "reused";
  return { replayed: true, ...(stored.invoiceId ? { invoiceId: stored.invoiceId as string } : {}) };
}

const samePurchase = (stored: Item, p: Omit<Purchase, "createdAt">) =>
  Boolean(stored.grantOnPayment) === Boolean(p.grantOnPayment) &&
  stored.kind === p.kind &&
  stored.packCode === p.packCode &&
  big(stored.credits) === p.credits &&
  big(stored.amount) === p.amount;
