/**
 * The invoice counter: gapless numbers. A write takes numbers n+1..n+k in the same transaction as
 * the invoices, conditioned on the counter still being at n, so a failed or lost transaction never
 * burns a number. The last number is remembered per process (and table) to save a read; a stale
 * guess fails the condition and is forgotten.
 */
import { GetCommand } from "./commands";
import type { Db } from "./client";
import type { TransactItem } from "./transact";
import { big } from "./items";
import { ItemType, keys } from "./keys";

const lastNumber = new Map<string, bigint>();

/** The last number taken, as this process last saw it (read when it has not seen one). */
export async function lastInvoiceNumber(db: Db): Promise<bigint> {
  const known = lastNumber.get(db.table);
  if (known !== undefined) return known;
  const { Item } = await db.doc.send(
    new GetCommand({ TableName: db.table, Key: keys.invoiceCounter(), ConsistentRead: true }),
  );
  return big(Item?.last);
}

export const numbersTaken = (db: Db, last: bigint) => void lastNumber.set(db.table, last);
/** Another process took numbers: read the counter again next time. */
export const numberGuessStale = (db: Db) => void lastNumber.delete(db.table);

/** Moves the counter from `previous` to `previous + taken`, only if it is still at `previous`. */
export function counterUpdate(db: Db, previous: bigint, taken: bigint): TransactItem {
  return {
    Update: {
      TableName: db.table,
      Key: keys.invoiceCounter(),
      UpdateExpression: "SET #last = :next, #type = :type",
      ConditionExpression: previous === 0n ? "attribute_not_exists(#last)" : "#last = :previous",
      ExpressionAttributeNames: { "#last": "last", "#type": "type" },
      ExpressionAttributeValues: {
        ":next": previous + taken,
        ":type": ItemType.COUNTER,
        ...(previous === 0n ? {} : { ":previous": previous }),
      },
    },
  };
}
