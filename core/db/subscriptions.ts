import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import type { Wallet } from "../wallet";
import type { Db } from "./client";
import { periodUpdate } from "./wallets";

/**
 * Writes a period change of the wallet, with any extra items (invoices) in the same transaction.
 * Returns false when the wallet's condition failed: someone else changed the subscription first.
 */
export async function writePeriodChange(
  db: Db,
  before: Wallet,
  after: Wallet,
  extra: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]> = [],
): Promise<boolean> {
  try {
    await db.doc.send(new TransactWriteCommand({ TransactItems: [{ Update: periodUpdate(db, before, after) }, ...extra] }));
    return true;
  } catch (error) {
    if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === "ConditionalCheckFailed") {
      return false;
    }
    throw error;
  }
}
