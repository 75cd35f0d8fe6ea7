/**
 * The usage transaction: the events (each new only if its idempotency key is unused), their
 * timeline entry, the wallet update (./usage-update.ts) and any events it announces, all or
 * nothing. A cancelled transaction is reported back with what made it fail, read from the
 * cancellation reasons themselves (no extra read).
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { BillingEvent } from "../events/billing-event";
import type { UsageEvent } from "../usage/event";
import type { Wallet } from "../wallet";
import type { Db } from "./client";
import { eventItem, pageItem, toEvent } from "./events";
import type { Key } from "./keys";
import { outboxItem, outboxKeyOf } from "./outbox";
import { nextRecordingOrder } from "./recording-order";
import { usageUpdate, type UsageUpdate } from "./usage-update";
import { lateUsageUpdate } from "./late-usage-update";
import { toWallet } from "./wallets";
import { failedWith, transact } from "./transact";

export type UsageWriteResult =
  /** Written; `outbox`: the item holding the events it announces until they are published. */
  | { ok: true; outbox?: Key }
  /** Some events' keys were used before: their stored events, by position in the batch. */
  | { ok: false; duplicates: Map<number, UsageEvent> }
  /** The wallet's condition failed: the wallet as it is now. */
  | { ok: false; wallet: Wallet }
  /** Another transaction held an item; retrying is safe. */
  | { ok: false; conflict: true };

/** One usage transaction: the events, what they do to the wallet (usageUpdate), what they announce. */
export type UsageWrite = UsageUpdate & {
  events: UsageEvent[];
  /** Events this write announces (depletions): into the outbox in the same transaction. */
  announces?: BillingEvent[];
  /** Late usage, booked into the ended period in its grace (./late-usage-update.ts). */
  late?: boolean;
};

export async function writeUsage(db: Db, write: UsageWrite): Promise<UsageWriteResult> {
  const { customerId, events, announces = [] } = write;
  const paged = events.length > 1;
  const order = nextRecordingOrder();
  const puts = events.map((event) => ({
    Put: {
      TableName: db.table,
      Item: eventItem(event, paged ? undefined : order),
      ConditionExpression: "attribute_not_exists(pk)",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
    },
  }));
  // The page needs no condition of its own: its first event's condition makes its key new.
  const page = paged ? [{ Put: { TableName: db.table, Item: pageItem(customerId, events, order) } }] : [];
  const outbox = announces.length ? [{ Put: { TableName: db.table, Item: outboxItem(announces) } }] : [];
  const cancelled = await transact(db, [
    ...puts,
    { Update: write.late ? lateUsageUpdate(db, write) : usageUpdate(db, write) },
    ...page,
    ...outbox,
  ]);
  if (!cancelled) return { ok: true, ...(announces.length ? { outbox: outboxKeyOf(announces) } : {}) };
  const { reasons, error } = cancelled;
  const old = (i: number) => unmarshall(reasons[i]?.Item as Record<string, AttributeValue>, { wrapNumbers: true });
  const duplicates = new Map<number, UsageEvent>();
  events.forEach((_, i) => {
    if (reasons[i]?.Code === "ConditionalCheckFailed" && reasons[i]?.Item) duplicates.set(i, toEvent(old(i)));
  });
  if (duplicates.size) return { ok: false, duplicates };
  const walletReason = reasons[events.length];
  if (walletReason?.Code === "ConditionalCheckFailed" && walletReason.Item)
    return { ok: false, wallet: toWallet(old(events.length)) };
  if (failedWith("TransactionConflict", reasons)) return { ok: false, conflict: true };
  throw error;
}
