/**
 * Add-on items: definitions (created once, listed from their partition), and what attaching and
 * detaching write to a wallet. An attachment is one transaction: its idempotency record, the
 * wallet's entry for the add-on (`addOns.<code>`, conditioned on the entry as read, so two attaches
 * of one add-on cannot both land) with its grant ADDed to the period's pool, and the pro-rata
 * invoice, with the account credit it takes (./credit-taken.ts: conditioned on each grant it takes
 * from). Conditioned on the subscription's plan and period, not on the version: tracks do not
 * make it retry. It bumps `alarmsRev`, like arriving funds, so usage writes decided on a view
 * without the add-on decide again (core/alerts).
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { UpdateCommand } from "./commands";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { AddOn, AttachedAddOn } from "../add-ons/add-on";
import type { InvoiceDraft } from "../invoices/invoice";
import type { Amount } from "../money";
import type { PeriodGrant } from "../wallet";
import type { Db } from "./client";
import { writeWithInvoices, type EventsFor } from "./group-commit";
import { big, getItem, int, putNew, queryPrefix, type Item } from "./items";
import { ItemType, keys, type Key } from "./keys";
import { UpdateExpression } from "./update-expression";
import { forgetWallet } from "./wallet-cache";
import { attachedAddOnItem } from "./wallets";
import { takeAccountCredit } from "./credit-taken";
import type { CreditTaken } from "../invoices/settle";
import type { BillingEvent } from "../events/billing-event";

function toAddOn(item: Item): AddOn {
  return {
    code: item.code as string,
    name: item.name as string,
    feature: item.feature as string,
    price: big(item.price),
    currency: item.currency as string,
    ...(item.grants !== undefined ? { grants: big(item.grants) } : {}),
    archived: Boolean(item.archived),
    createdAt: item.createdAt as string,
  };
}

export const insertAddOn = (db: Db, a: AddOn) =>
  putNew(db, { ...keys.addOn(a.code), type: ItemType.ADD_ON, ...a }, `add-on "${a.code}"`);

export async function getAddOn(db: Db, code: string): Promise<AddOn | undefined> {
  const item = await getItem(db, keys.addOn(code));
  return item && toAddOn(item);
}

export async function listAddOns(db: Db): Promise<AddOn[]> {
  return (await queryPrefix(db, keys.addOnPartition(), keys.addOnPrefix())).map(toAddOn);
}

/** What an attachAddOn recorded under its key: a replay answers it, another request is refused. */
export type AttachmentRecord = {
  customerId: string;
  idempotencyKey: string;
  addOnCode: string;
  quantity: number;
  createdAt: string;
};

export type Attachment = {
  record: AttachmentRecord;
  /** The subscription's plan and period as read. */
  period: { planCode: string; periodStart: string };
  addOn: AttachedAddOn;
  /** The entry as read: none (`addOns` map absent or without it), or detaching (attaching again keeps it). */
  was: "none" | "noMap" | "detaching";
  /** What it adds to the period's pools now (CREDITS, BALANCE), at most `maxAttached` entries in all. */
  grant: PeriodGrant;
  maxAttached: number;
  /** The account credit its invoice takes (./credit-taken.ts), if any. */
  credit?: CreditTaken;
};

export type AttachResult =
  | { ok: true; events: BillingEvent[]; outbox?: Key }
  | { ok: false; duplicate: AttachmentRecord }
  | { ok: false; changed: true };

export async function writeAttachment(
  db: Db,
  a: Attachment,
  drafts: InvoiceDraft[],
  eventsFor: EventsFor,
): Promise<AttachResult> {
  const record = {
    ...keys.addOnAttachment(a.record.customerId, a.record.idempotencyKey),
    type: ItemType.ADD_ON_ATTACHMENT,
    ...a.record,
  };
  const items = [
    {
      Put: {
        TableName: db.table,
        Item: record,
        ConditionExpression: "attribute_not_exists(pk)",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
      },
    },
    { Update: { TableName: db.table, Key: keys.wallet(a.record.customerId), ...attachUpdate(a) } },
  ];
  const written = await writeWithInvoices(db, items, drafts, eventsFor).finally(() =>
    forgetWallet(db, a.record.customerId),
  );
  if (written.ok) return { ok: true, events: written.events, ...(written.outbox ? { outbox: written.outbox } : {}) };
  const stored = written.reasons[0];
  if (stored?.Code === "ConditionalCheckFailed" && stored.Item)
    return {
      ok: false,
      duplicate: toRecord(unmarshall(stored.Item as Record<string, AttributeValue>, { wrapNumbers: true })),
    };
  return { ok: false, changed: true };
}

function attachUpdate(a: Attachment) {
  const u = new UpdateExpression();
  const map = u.name("#addOns", "addOns");
  if (a.was === "noMap") {
    u.set(`${map} = ${u.value(":map", { [a.addOn.code]: attachedAddOnItem(a.addOn) })}`);
    u.when(`attribute_not_exists(${map})`);
  } else {
    const entry = `${map}.${u.name("#code", a.addOn.code)}`;
    if (a.was === "none") {
      u.set(`${entry} = ${u.value(":entry", attachedAddOnItem(a.addOn))}`);
      u.when(`attribute_exists(${map})`).when(`attribute_not_exists(${entry})`);
      u.when(`size(${map}) < ${u.value(":max", a.maxAttached)}`);
    } else {
      // Attached again before the period's end: it simply stays (the period is paid for).
      const detaching = `${entry}.${u.name("#detaching", "detaching")}`;
      u.remove(detaching);
      u.when(`${detaching} = ${u.value(":t", true)}`);
      u.when(`${entry}.${u.name("#quantity", "quantity")} = ${u.value(":q", a.addOn.quantity)}`);
    }
  }
  if (a.credit) takeAccountCredit(u, a.credit);
  addGrant(u, "planCredits", "credits", a.grant.planCredits);
  addGrant(u, "allowance", "balance", a.grant.allowance);
  u.add(`${u.name("#version", "version")} ${u.value(":one", 1)}`);
  u.add(`${u.name("#alarmsRev", "alarmsRev")} :one`);
  u.when(`${u.name("#status", "status")} = ${u.value(":active", "ACTIVE")}`);
  u.when(`planCode = ${u.value(":plan", a.period.planCode)}`).when(
    `periodStart = ${u.value(":ps", a.period.periodStart)}`,
  );
  return u.build();
}

/** The grant ADDed to what the period granted and to what is available, like a purchase (commutes with tracks). */
function addGrant(u: UpdateExpression, granted: string, available: string, amount: Amount): void {
  if (amount === 0n) return;
  const v = u.value(`:${granted}`, amount);
  u.add(`${granted} ${v}`).add(`${available} ${v}`);
}

export async function findAttachment(db: Db, customerId: string, idempotencyKey: string) {
  const item = await getItem(db, keys.addOnAttachment(customerId, idempotencyKey));
  return item && toRecord(item);
}

const toRecord = (item: Item): AttachmentRecord => ({
  customerId: item.customerId as string,
  idempotencyKey: item.idempotencyKey as string,
  addOnCode: item.addOnCode as string,
  quantity: int(item.quantity),
  createdAt: item.createdAt as string,
});

/**
 * Marks an attached add-on to end with the period; false when the wallet is not as read (it is
 * not attached, or already detaching, or the period changed).
 */
export async function markDetaching(
  db: Db,
  customerId: string,
  code: string,
  period: { planCode: string; periodStart: string },
): Promise<boolean> {
  const u = new UpdateExpression();
  const entry = `${u.name("#addOns", "addOns")}.${u.name("#code", code)}`;
  const detaching = `${entry}.${u.name("#detaching", "detaching")}`;
  u.set(`${detaching} = ${u.value(":t", true)}`);
  u.add(`${u.name("#version", "version")} ${u.value(":one", 1)}`);
  u.when(`attribute_exists(${entry})`).when(`attribute_not_exists(${detaching})`);
  u.when(`${u.name("#status", "status")} = ${u.value(":active", "ACTIVE")}`);
  u.when(`planCode = ${u.value(":plan", period.planCode)}`).when(`periodStart = ${u.value(":ps", period.periodStart)}`);
  try {
    await db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.wallet(customerId), ...u.build() }));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  } finally {
    forgetWallet(db, customerId);
  }
}
