/**
 * Writing an account credit grant: its idempotency record and the wallet's grant, in one
 * transaction. The wallet keeps the grant (its live part, core/wallet.ts) in its
 * `accountCreditGrants` map; the record keeps what was granted under the key, for replays.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { CreditGrant } from "../account-credit/grant";
import type { Wallet } from "../wallet";
import type { Db } from "./client";
import { big, getItem, type Item } from "./items";
import { ItemType, keys } from "./keys";
import { transact } from "./transact";
import { creditGrantItem, creditGrantsItem, toWallet } from "./wallets";
import { forgetWallet } from "./wallet-cache";
import { UpdateExpression } from "./update-expression";

export type GrantOutcome =
  | { outcome: "granted" }
  | { outcome: "replayed"; grant: CreditGrant }
  | { outcome: "walletChanged" }
  /** The customer was deleted (erased) since it was read: nothing written. */
  | { outcome: "customerDeleted" }
  | { outcome: "conflict" };

/**
 * Records `grant`: ADDs it to `accountCredit` and puts it in the wallet's map, conditioned on the
 * plan the currency was taken from (`planCode`, none: no plan), on the sum staying within `cap`, and
 * on the customer not being deleted (a deletion landing after the grant's read refuses it).
 * A wallet written before grants existed has no map: it gets the whole map at once (its old sum as
 * a grant, core/db/wallets.ts), conditioned on its version.
 */
export async function recordCreditGrant(
  db: Db,
  customerId: string,
  planCode: string | undefined,
  grant: CreditGrant,
  cap: bigint,
): Promise<GrantOutcome> {
  const first = await write(db, customerId, planCode, grant, cap);
  if (first.outcome !== "noMap") return first;
  const second = await write(db, customerId, planCode, grant, cap, toWallet(first.item));
  return second.outcome === "noMap" ? { outcome: "walletChanged" } : second;
}

async function write(
  db: Db,
  customerId: string,
  planCode: string | undefined,
  grant: CreditGrant,
  cap: bigint,
  migrating?: Wallet,
): Promise<GrantOutcome | { outcome: "noMap"; item: Item }> {
  const u = new UpdateExpression();
  u.name("#grants", "accountCreditGrants");
  u.name("#version", "version");
  if (!migrating) {
    u.name("#id", grant.id);
    u.set(`#grants.#id = ${u.value(":grant", creditGrantItem(grant))}`);
    u.add(`accountCredit ${u.value(":amount", grant.amount)}`);
    u.when("attribute_exists(#grants)");
  } else {
    u.set(`#grants = ${u.value(":grants", creditGrantsItem([...migrating.creditGrants, grant]))}`);
    u.set(`accountCredit = ${u.value(":sum", migrating.accountCredit + grant.amount)}`);
    u.when(`#version = ${u.value(":version", migrating.version)}`);
  }
  u.add(`#version ${u.value(":one", 1)}`);
  u.when("attribute_exists(pk)");
  u.when(`(attribute_not_exists(accountCredit) OR accountCredit <= ${u.value(":cap", cap - grant.amount)})`);
  if (planCode) u.when(`planCode = ${u.value(":plan", planCode)}`);
  else u.when("attribute_not_exists(planCode)");
  const record = {
    ...keys.accountCreditGrant(customerId, grant.id),
    type: ItemType.ACCOUNT_CREDIT_GRANT,
    customerId,
    id: grant.id,
    ...creditGrantItem(grant),
  };
  const cancelled = await transact(db, [
    {
      Put: {
        TableName: db.table,
        Item: record,
        ConditionExpression: "attribute_not_exists(pk)",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    },
    {
      Update: {
        TableName: db.table,
        Key: keys.wallet(customerId),
        ...u.build(),
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    },
    {
      ConditionCheck: {
        TableName: db.table,
        Key: keys.customer(customerId),
        ConditionExpression: "attribute_not_exists(deletedAt)",
      },
    },
  ]).finally(() => forgetWallet(db, customerId));
  if (!cancelled) return { outcome: "granted" };
  const [put, update, profile] = cancelled.reasons;
  if (put?.Item)
    return {
      outcome: "replayed",
      grant: toGrant(unmarshall(put.Item as Record<string, AttributeValue>, { wrapNumbers: true })),
    };
  if (profile?.Code === "ConditionalCheckFailed") return { outcome: "customerDeleted" };
  if (update?.Code === "ConditionalCheckFailed") {
    const old = update.Item && unmarshall(update.Item as Record<string, AttributeValue>, { wrapNumbers: true });
    if (old && old.accountCreditGrants === undefined && !migrating) return { outcome: "noMap", item: old };
    return { outcome: "walletChanged" };
  }
  if (cancelled.reasons.some((r) => r.Code === "TransactionConflict")) return { outcome: "conflict" };
  throw cancelled.error;
}

export async function findCreditGrant(db: Db, customerId: string, id: string): Promise<CreditGrant | undefined> {
  const item = await getItem(db, keys.accountCreditGrant(customerId, id));
  return item && toGrant(item);
}

const toGrant = (item: Item): CreditGrant => ({
  id: item.id as string,
  amount: big(item.amount),
  remaining: big(item.remaining),
  currency: item.currency as string,
  reason: item.reason as string,
  createdAt: item.createdAt as string,
  ...(item.expiresAt ? { expiresAt: item.expiresAt as string } : {}),
});
