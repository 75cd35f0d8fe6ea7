/**
 * Writes of the wallet's free credits (core/credit-grants): a grant with its record (the
 * idempotency record), or the settlement of expired grants. Both replace the grants as settled
 * from the wallet that was read, so both are conditioned on its version (every write bumps it);
 * `credits` moves by ADD of the difference, like a period change (./period-update.ts).
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { CreditGrant } from "../credit-grants/grant";
import { MAX_GRANTS, type GrantRecord } from "../credit-grants/record";
import type { Amount } from "../money";
import type { Wallet } from "../wallet";
import type { Db } from "./client";
import { big, getItem, type Item } from "./items";
import { ItemType, keys } from "./keys";
import { transact } from "./transact";
import { UpdateExpression } from "./update-expression";
import { forgetWallet } from "./wallet-cache";

function grantsUpdate(db: Db, before: Wallet, after: Wallet) {
  const u = new UpdateExpression();
  if (after.grants?.length) u.assign("grants", after.grants);
  else u.remove("grants");
  if (after.grantsBase) u.assign("grantsBase", after.grantsBase);
  else u.remove("grantsBase");
  u.add(`${u.name("#version", "version")} ${u.value(":one", 1)}`);
  const delta = after.credits - before.credits;
  if (delta !== 0n) u.add(`credits ${u.value(":delta", delta)}`);
  // A new grant raises the share credits.low is of, re-arming it: alarmsRev tells usage writes (core/alerts).
  const granted = (after.grantsGranted ?? 0n) - (before.grantsGranted ?? 0n);
  if (granted !== 0n)
    u.add(`grantsGranted ${u.value(":granted", granted)}`).add(`${u.name("#alarmsRev", "alarmsRev")} :one`);
  // What holds keep of grants expiring now (core/wallet.ts): holds move it without a version, by ADD.
  const kept = (after.heldExpired ?? 0n) - (before.heldExpired ?? 0n);
  if (kept !== 0n) u.add(`heldExpired ${u.value(":kept", kept)}`);
  u.when("attribute_exists(pk)").when(`#version = ${u.value(":version", before.version)}`);
  return { TableName: db.table, Key: keys.wallet(before.customerId), ...u.build() };
}

export type GrantWrite = { ok: true } | { ok: false; changed: true } | { ok: false; stored: GrantRecord };

/**
 * How a grant joins the wallet. `append`: nothing of the period's use is unsettled (creditsUsed at
 * most planCredits + grantsBase, as read), so the grant is appended and its credits ADDed, both
 * commutative: concurrent grants and tracks that keep that true do not make each other retry.
 * `settle`: the grants as settled with the new one (`after`), conditioned on the version read.
 */
export type GrantChange =
  | { append: { grant: CreditGrant; planCode: string; periodStart: string; usedAtMost: Amount; base?: Amount } }
  | { settle: Wallet };

function appendUpdate(db: Db, customerId: string, a: Extract<GrantChange, { append: unknown }>["append"]) {
  const u = new UpdateExpression();
  u.set(`grants = list_append(if_not_exists(grants, ${u.value(":none", [])}), ${u.value(":grant", [a.grant])})`);
  u.add(`credits ${u.value(":credits", a.grant.credits)}`).add(
    `${u.name("#version", "version")} ${u.value(":one", 1)}`,
  );
  // Like a pack: the share credits.low is of grows, re-arming it; alarmsRev tells usage writes (core/alerts).
  u.add(`grantsGranted ${u.value(":credits", a.grant.credits)}`).add(`${u.name("#alarmsRev", "alarmsRev")} :one`);
  u.when(`${u.name("#status", "status")} = ${u.value(":active", "ACTIVE")}`);
  u.when(`planCode = ${u.value(":plan", a.planCode)}`).when(`periodStart = ${u.value(":ps", a.periodStart)}`);
  u.when(`creditsUsed <= ${u.value(":used", a.usedAtMost)}`);
  u.when(`(attribute_not_exists(grants) OR size(grants) < ${u.value(":max", MAX_GRANTS)})`);
  u.when(a.base === undefined ? "attribute_not_exists(grantsBase)" : `grantsBase = ${u.value(":base", a.base)}`);
  return { TableName: db.table, Key: keys.wallet(customerId), ...u.build() };
}

/** The grant's record and the wallet with it, or nothing: `stored` when its key was used before. */
export async function recordGrant(
  db: Db,
  record: GrantRecord,
  before: Wallet,
  change: GrantChange,
): Promise<GrantWrite> {
  const update =
    "append" in change ? appendUpdate(db, record.customerId, change.append) : grantsUpdate(db, before, change.settle);
  const cancelled = await transact(db, [
    {
      Put: {
        TableName: db.table,
        Item: { ...keys.creditGrant(record.customerId, record.id), type: ItemType.CREDIT_GRANT, ...record },
        ConditionExpression: "attribute_not_exists(pk)",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    },
    { Update: update },
  ]).finally(() => forgetWallet(db, before.customerId));
  if (!cancelled) return { ok: true };
  const old = cancelled.reasons[0]?.Item;
  if (old)
    return {
      ok: false,
      stored: toGrantRecord(unmarshall(old as Record<string, AttributeValue>, { wrapNumbers: true })),
    };
  if (cancelled.reasons[1]?.Code === "ConditionalCheckFailed") return { ok: false, changed: true };
  if (cancelled.reasons.some((r) => r.Code === "TransactionConflict")) return { ok: false, changed: true };
  throw cancelled.error;
}

/** Expired grants settled (./credit-grants/grant.ts settleGrants); false when the wallet changed first. */
export async function writeSettledGrants(db: Db, before: Wallet, after: Wallet): Promise<boolean> {
  const cancelled = await transact(db, [{ Update: grantsUpdate(db, before, after) }]).finally(() =>
    forgetWallet(db, before.customerId),
  );
  if (!cancelled) return true;
  if (cancelled.reasons.some((r) => r.Code === "ConditionalCheckFailed" || r.Code === "TransactionConflict"))
    return false;
  throw cancelled.error;
}

/** The record of the grant made under this key, if any. */
export async function findGrant(db: Db, customerId: string, id: string): Promise<GrantRecord | undefined> {
  const item = await getItem(db, keys.creditGrant(customerId, id));
  return item && toGrantRecord(item);
}

export const toGrantRecord = (item: Item): GrantRecord => ({
  customerId: item.customerId as string,
  id: item.id as string,
  credits: big(item.credits),
  reason: item.reason as string,
  ...(item.expiresAt ? { expiresAt: item.expiresAt as string } : {}),
  createdAt: item.createdAt as string,
});
