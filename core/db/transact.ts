/**
 * One TransactWriteItems. DynamoDB cancels a transaction as a whole and says why item by item, so a
 * write reads what a cancellation means from those reasons (a condition of its own failed, another
 * transaction held one of its items, the old item that failed a condition); anything else thrown
 * is not a cancellation and is thrown on.
 */
import { TransactionCanceledException, type CancellationReason } from "@aws-sdk/client-dynamodb";
import { TransactWriteCommand, type TransactWriteCommandInput } from "./commands";
import type { Db } from "./client";
import { transactWriteInput } from "./wire/documents";

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** A cancelled transaction: each item's reason, in the order of its items, and the error itself. */
export type Cancelled = { reasons: CancellationReason[]; error: TransactionCanceledException };

/** Writes all of `items` or none: undefined when written, why when DynamoDB cancelled it. */
export async function transact(db: Db, items: TransactItem[]): Promise<Cancelled | undefined> {
  try {
    // Through the wire transport (core/db/wire/), or the SDK when the deployment asks for it. The
    // command is named here either way: test/infra/stacks.test.ts derives IAM actions from it.
    if (db.wire.viaSdk) await db.doc.send(new TransactWriteCommand({ TransactItems: items }));
    else await db.wire.call("TransactWriteItems", { TransactItems: items }, transactWriteInput);
    return undefined;
  } catch (error) {
    if (error instanceof TransactionCanceledException) return { reasons: error.CancellationReasons ?? [], error };
    throw error;
  }
}

/** Whether an item's reason is `code` ("ConditionalCheckFailed", "TransactionConflict"). */
export const failedWith = (code: string, reasons: CancellationReason[]) => reasons.some((r) => r.Code === code);
