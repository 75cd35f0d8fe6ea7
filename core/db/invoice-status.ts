/**
 * Moving an invoice's status: the status, its event in the outbox and, for a void that takes a
 * purchase back or returns account credit, the wallet change, in one transaction. Conditioned on
 * the status it moves from (so it happens once) and, with a reversal, on the wallet version the
 * reversal was computed from (so what it reports is exactly what it did).
 *
 * Returned account credit is a new grant: one map entry SET (on condition that the map exists and
 * the entry does not) and an ADD to `accountCredit`, bumping the version, as grantAccountCredit's
 * write does (./account-credit.ts); so it is not conditioned on the version, and tracks racing the
 * void do not make it retry. A period change, which SETs the map whole, is conditioned on the
 * version and so never loses it. A wallet that holds its account credit as a sum only (./wallets.ts)
 * gets the whole map at once, on condition of the version read.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { BillingEvent } from "../events/billing-event";
import type { InvoiceGrant, InvoiceReversal, InvoiceStatus } from "../invoices/invoice";
import type { Wallet } from "../wallet";
import { creditLeft, type CreditGrant } from "../account-credit/grant";
import type { Db } from "./client";
import { failedWith, transact, type TransactItem } from "./transact";
import { keys, type Key } from "./keys";
import { outboxItem, outboxKeyOf } from "./outbox";
import { UpdateExpression } from "./update-expression";
import { forgetWallet } from "./wallet-cache";
import { creditGrantItem, creditGrantsItem, toWallet } from "./wallets";

/** What a reversal does to the wallet it was computed on: pools move by these (negative) amounts. */
export type WalletReversal = {
  wallet: Wallet;
  record: InvoiceReversal;
  add: Partial<Record<"credits" | "purchasedCredits" | "topUps" | "balance", bigint>>;
};

/** What paying a purchase granted on payment adds to the wallet: `add` to each pool, each staying within `ceiling` before it. */
export type WalletGrant = {
  customerId: string;
  grant: InvoiceGrant;
  add: Partial<Record<"credits" | "purchasedCredits" | "topUps" | "balance", bigint>>;
  ceiling: bigint;
};

/**
 * Account credit a void gives back: `grant`, added to `wallet` (as read); `whole`: the wallet has no
 * grants map (written before grants), so the map is written whole on condition of the version.
 */
export type CreditReturn = { wallet: Wallet; grant: CreditGrant; whole?: boolean };

/** Written, with the outbox item that holds the events until they are published; or why not. */
export type StatusWrite =
  | { ok: true; outbox: Key }
  | { ok: false; reason: "status-changed" | "wallet-changed" | "conflict" };

export async function writeInvoiceStatus(
  db: Db,
  invoice: { id: string; status: InvoiceStatus },
  to: InvoiceStatus,
  events: BillingEvent[],
  reversal?: WalletReversal,
  grant?: WalletGrant,
  returned?: CreditReturn,
): Promise<StatusWrite> {
  const set = [
    "#status = :to",
    ...(reversal ? ["reversal = :reversal"] : []),
    ...(grant ? ["#grant = :grant"] : []),
    ...(returned ? ["accountCreditReturned = :returned"] : []),
  ];
  const items: TransactItem[] = [
    {
      Update: {
        TableName: db.table,
        Key: keys.invoice(invoice.id),
        UpdateExpression: `SET ${set.join(", ")}`,
        ConditionExpression: "#status = :from",
        ExpressionAttributeNames: { "#status": "status", ...(grant ? { "#grant": "grant" } : {}) },
        ExpressionAttributeValues: {
          ":from": invoice.status,
          ":to": to,
          ...(reversal ? { ":reversal": { ...reversal.record } } : {}),
          ...(grant ? { ":grant": { ...grant.grant } } : {}),
          ...(returned ? { ":returned": returned.grant.amount } : {}),
        },
      },
    },
    { Put: { TableName: db.table, Item: outboxItem(events) } },
  ];
  if (reversal) items.push({ Update: walletReversal(db, reversal) });
  if (grant) items.push({ Update: walletGrant(db, grant) });
  if (returned)
    items.push({ Update: { ...creditReturn(db, returned), ReturnValuesOnConditionCheckFailure: "ALL_OLD" } });
  try {
    const cancelled = await transact(db, items);
    if (!cancelled) return { ok: true, outbox: outboxKeyOf(events) };
    const { reasons, error } = cancelled;
    if (reasons[0]?.Code === "ConditionalCheckFailed") return { ok: false, reason: "status-changed" };
    const old = returned && !returned.whole ? reasons[2]?.Item : undefined;
    if (old && reasons[2]?.Code === "ConditionalCheckFailed") {
      // No grants map and no credit: the map is written whole, on the wallet's version, once. (With
      // a sum, the fresh read of a retry has its grant, whose currency loading the wallet fills in.)
      const wallet = toWallet(unmarshall(old as Record<string, AttributeValue>, { wrapNumbers: true }));
      if (old.accountCreditGrants === undefined && wallet.creditGrants.length === 0)
        return writeInvoiceStatus(db, invoice, to, events, reversal, grant, { ...returned!, wallet, whole: true });
    }
    if (reasons[2]?.Code === "ConditionalCheckFailed") return { ok: false, reason: "wallet-changed" };
    if (failedWith("TransactionConflict", reasons)) return { ok: false, reason: "conflict" };
    throw error;
  } finally {
    if (reversal) forgetWallet(db, reversal.wallet.customerId);
    if (grant) forgetWallet(db, grant.customerId);
    if (returned) forgetWallet(db, returned.wallet.customerId);
  }
}

function walletReversal(db: Db, { wallet, add }: WalletReversal) {
  const u = new UpdateExpression();
  u.value(":one", 1);
  u.value(":version", wallet.version);
  u.add("#version :one");
  // The funds the low-funds thresholds are a share of change: usage writes must see it (core/alerts).
  u.add(`${u.name("#alarmsRev", "alarmsRev")} :one`);
  for (const [attribute, delta] of Object.entries(add)) {
    if (delta) u.add(`${attribute} ${u.value(`:${attribute}`, delta)}`);
  }
  u.when("#version = :version").name("#version", "version");
  return { TableName: db.table, Key: keys.wallet(wallet.customerId), ...u.build() };
}

function walletGrant(db: Db, { customerId, add, ceiling }: WalletGrant) {
  const u = new UpdateExpression();
  u.value(":one", 1);
  u.value(":cap", ceiling);
  u.add("#version :one").name("#version", "version");
  // Funds arriving re-arm the low-funds thresholds, as a purchase's do: alarmsRev tells usage writes (core/alerts).
  u.add("#alarmsRev :one").name("#alarmsRev", "alarmsRev");
  u.when("attribute_exists(pk)");
  for (const [attribute, delta] of Object.entries(add)) {
    u.add(`${attribute} ${u.value(`:${attribute}`, delta)}`);
    u.when(`(attribute_not_exists(${attribute}) OR ${attribute} <= :cap)`);
  }
  return { TableName: db.table, Key: keys.wallet(customerId), ...u.build() };
}

function creditReturn(db: Db, { wallet, grant, whole }: CreditReturn) {
  const u = new UpdateExpression();
  const grants = u.name("#acGrants", "accountCreditGrants");
  u.add(`${u.name("#version", "version")} ${u.value(":one", 1)}`);
  u.when("attribute_exists(pk)");
  if (whole || wallet.creditGrants.some((g) => g.storedAsSum)) {
    const after = [...wallet.creditGrants, grant];
    u.set(`${grants} = ${u.value(":acAll", creditGrantsItem(after))}`);
    u.set(`accountCredit = ${u.value(":acSum", creditLeft(after))}`);
    u.when(`#version = ${u.value(":version", wallet.version)}`);
  } else {
    const entry = `${grants}.${u.name("#acId", grant.id)}`;
    u.set(`${entry} = ${u.value(":acGrant", creditGrantItem(grant))}`);
    u.add(`accountCredit ${u.value(":acReturned", grant.amount)}`);
    u.when(`attribute_exists(${grants})`).when(`attribute_not_exists(${entry})`);
  }
  return { TableName: db.table, Key: keys.wallet(wallet.customerId), ...u.build() };
}
