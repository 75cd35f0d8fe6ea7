import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { TransactionCanceledException, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { Db } from "./client";
import { big } from "./items";
import { ItemType, keys } from "./keys";

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
 * Records the purchase and adds it to the wallet in one transaction. "replayed" when the same
 * purchase was recorded before under this key, "reused" when the key recorded another one.
 */
export async function recordPurchase(db: Db, p: Purchase): Promise<"recorded" | "replayed" | "reused"> {
  const adds = p.kind === "CREDIT_PACK" ? "ADD credits :n, purchasedCredits :n" : "ADD topUps :n, balance :n";
  try {
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
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
              ExpressionAttributeValues: { ":n": p.kind === "CREDIT_PACK" ? p.credits : p.amount },
            },
          },
        ],
      }),
    );
    return "recorded";
  } catch (error) {
    const old = error instanceof TransactionCanceledException ? error.CancellationReasons?.[0]?.Item : undefined;
    if (!old) throw error;
    const stored = unmarshall(old as Record<string, AttributeValue>, { wrapNumbers: true });
    const same = stored.kind === p.kind && stored.packCode === p.packCode && big(stored.credits) === p.credits && big(stored.amount) === p.amount;
    return same ? "replayed" : "reused";
  }
}
