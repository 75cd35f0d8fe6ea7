/**
 * Moving an invoice's status: the status, its event in the outbox and, for a void that takes a
 * purchase back, the wallet change, in one transaction. Conditioned on the status it moves from
 * (so it happens once) and, with a wallet change, on the wallet version the reversal was computed
 * from (so what it reports is exactly what it did).
 */
import type { BillingEvent } from "../events/billing-event";
import type { InvoiceGrant, InvoiceReversal, InvoiceStatus } from "../invoices/invoice";
import type { Wallet } from "../wallet";
import type { Db } from "./client";
import { failedWith, transact, type TransactItem } from "./transact";
import { keys, type Key } from "./keys";
import { outboxItem, outboxKeyOf } from "./outbox";
import { UpdateExpression } from "./update-expression";
import { forgetWallet } from "./wallet-cache";

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
): Promise<StatusWrite> {
  const items: TransactItem[] = [
    {
      Update: {
        TableName: db.table,
        Key: keys.invoice(invoice.id),
        UpdateExpression: `SET #status = :to${reversal ? ", reversal = :reversal" : ""}${grant ? ", #grant = :grant" : ""}`,
        ConditionExpression: "#status = :from",
        ExpressionAttributeNames: { "#status": "status", ...(grant ? { "#grant": "grant" } : {}) },
        ExpressionAttributeValues: {
          ":from": invoice.status,
          ":to": to,
          ...(reversal ? { ":reversal": { ...reversal.record } } : {}),
          ...(grant ? { ":grant": { ...grant.grant } } : {}),
        },
      },
    },
    { Put: { TableName: db.table, Item: outboxItem(events) } },
  ];
  if (reversal) items.push({ Update: walletReversal(db, reversal) });
  if (grant) items.push({ Update: walletGrant(db, grant) });
  try {
    const cancelled = await transact(db, items);
    if (!cancelled) return { ok: true, outbox: outboxKeyOf(events) };
    const { reasons, error } = cancelled;
    if (reasons[0]?.Code === "ConditionalCheckFailed") return { ok: false, reason: "status-changed" };
    if (reasons[2]?.Code === "ConditionalCheckFailed") return { ok: false, reason: "wallet-changed" };
    if (failedWith("TransactionConflict", reasons)) return { ok: false, reason: "conflict" };
    throw error;
  } finally {
    if (reversal) forgetWallet(db, reversal.wallet.customerId);
    if (grant) forgetWallet(db, grant.customerId);
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
