/**
 * The wallet half of a level write (setSeats, adjustQuota: core/levels): the feature's level and
 * peak SET to what was decided, conditioned on the values they were decided from (and on the
 * subscription period), not on the wallet's version, so tracks of other features never make it
 * retry. A wallet without any level yet gets both maps whole, on condition it still has none. The
 * account credit the invoice of added seats takes is written here too (./credit-taken.ts).
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { Amount } from "../money";
import type { BillingEvent } from "../events/billing-event";
import type { InvoiceDraft } from "../invoices/invoice";
import type { UsageEvent } from "../usage/event";
import { eventItem, toEvent } from "./events";
import { writeWithInvoices, type EventsFor } from "./group-commit";
import type { Key } from "./keys";
import { nextRecordingOrder } from "./recording-order";
import type { Db } from "./client";
import { keys } from "./keys";
import { UpdateExpression } from "./update-expression";
import { takeAccountCredit } from "./credit-taken";
import { forgetWallet } from "./wallet-cache";
import type { CreditTaken } from "../invoices/settle";

export type LevelUpdate = {
  customerId: string;
  period: { planCode: string; periodStart: string };
  feature: string;
  /** As read: undefined when the wallet had no levels at all, or none for this feature. */
  was: { level?: Amount; peak?: Amount; hasLevels: boolean };
  level: Amount;
  peak: Amount;
  /** The account credit the invoice of added seats takes (./credit-taken.ts), if any. */
  credit?: CreditTaken;
};

export function levelUpdate(db: Db, w: LevelUpdate) {
  const u = new UpdateExpression();
  u.name("#status", "status");
  u.value(":active", "ACTIVE");
  u.value(":plan", w.period.planCode);
  u.value(":ps", w.period.periodStart);
  u.name("#levels", "levels");
  u.name("#peaks", "peaks");
  if (!w.was.hasLevels) {
    u.set(`#levels = ${u.value(":levels", { [w.feature]: w.level })}`);
    u.set(`#peaks = ${u.value(":peaks", { [w.feature]: w.peak })}`);
    u.when("attribute_not_exists(#levels)");
  } else {
    u.name("#f", w.feature);
    u.set(`#levels.#f = ${u.value(":level", w.level)}`).set(`#peaks.#f = ${u.value(":peak", w.peak)}`);
    u.when(
      w.was.level === undefined ? "attribute_not_exists(#levels.#f)" : `#levels.#f = ${u.value(":was", w.was.level)}`,
    );
    u.when(
      w.was.peak === undefined ? "attribute_not_exists(#peaks.#f)" : `#peaks.#f = ${u.value(":wasPeak", w.was.peak)}`,
    );
  }
  if (w.credit) takeAccountCredit(u, w.credit);
  u.add(`${u.name("#version", "version")} ${u.value(":one", 1)}`);
  u.when("#status = :active").when("planCode = :plan").when("periodStart = :ps");
  return { TableName: db.table, Key: keys.wallet(w.customerId), ...u.build() };
}

export type LevelWriteResult =
  | { ok: true; events: BillingEvent[]; outbox?: Key }
  /** The key was used before: its stored event. */
  | { ok: false; duplicate: UsageEvent }
  /** The level, the period or the plan changed since the read. */
  | { ok: false; changed: true };

/** The level write's transaction: its event (new only if its key is unused), the wallet, and the invoice of seats added, if any. */
export async function writeLevel(
  db: Db,
  event: UsageEvent,
  update: LevelUpdate,
  drafts: InvoiceDraft[],
  eventsFor: EventsFor,
): Promise<LevelWriteResult> {
  const items = [
    {
      Put: {
        TableName: db.table,
        Item: eventItem(event, nextRecordingOrder()),
        ConditionExpression: "attribute_not_exists(pk)",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
      },
    },
    { Update: levelUpdate(db, update) },
  ];
  const written = await writeWithInvoices(db, items, drafts, eventsFor).finally(() => {
    // The grants this process's view shows are no longer there (db/wallet-cache.ts).
    if (update.credit) forgetWallet(db, update.customerId);
  });
  if (written.ok) return { ok: true, events: written.events, ...(written.outbox ? { outbox: written.outbox } : {}) };
  const stored = written.reasons[0];
  if (stored?.Code === "ConditionalCheckFailed" && stored.Item)
    return {
      ok: false,
      duplicate: toEvent(unmarshall(stored.Item as Record<string, AttributeValue>, { wrapNumbers: true })),
    };
  return { ok: false, changed: true };
}
