/**
 * Custom usage alerts on the wallet item (`alerts`, by id) plus one small item per alert naming its
 * customer (so `archiveUsageAlert(id)` finds it without a scan). Every change is conditioned on
 * the wallet's `alarmsRev` as read and bumps it: a usage write priced on a view from before the
 * change fails its own `alarmsRev` condition and decides again with the alerts as they are.
 */
import { UpdateCommand } from "./commands";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import type { UsageAlert } from "../alerts/alert";
import type { Wallet } from "../wallet";
import type { Db } from "./client";
import { getItem } from "./items";
import { ItemType, keys } from "./keys";
import { transact } from "./transact";
import { UpdateExpression } from "./update-expression";
import { forgetWallet } from "./wallet-cache";

/** The change to the wallet's alerts: a new alert, or one archived; older archived ones forgotten. */
export type AlertsChange = { create: UsageAlert; forget: string[] } | { archive: string; at: string; forget: string[] };

function alertsUpdate(db: Db, wallet: Wallet, change: AlertsChange) {
  const u = new UpdateExpression();
  const alerts = u.name("#alerts", "alerts");
  const rev = u.name("#alarmsRev", "alarmsRev");
  const { forget } = change;
  if ("create" in change) {
    const { fired: _never, ...alert } = change.create;
    if (wallet.alerts) u.set(`${alerts}.${u.name("#id", alert.id)} = ${u.value(":alert", alert)}`);
    else u.set(`${alerts} = ${u.value(":alerts", { [alert.id]: alert })}`);
  } else {
    const path = `${alerts}.${u.name("#id", change.archive)}`;
    u.set(`${path}.archived = ${u.value(":true", true)}`);
    u.set(`${path}.archivedAt = ${u.value(":at", change.at)}`);
    u.when(`attribute_exists(${path})`);
  }
  for (const [i, id] of forget.entries()) u.remove(`${alerts}.${u.name(`#old${i}`, id)}`);
  u.add(`${rev} ${u.value(":one", 1)}`);
  const read = wallet.alarmsRev ?? 0;
  u.when("attribute_exists(pk)");
  u.when(read === 0 ? `attribute_not_exists(${rev})` : `${rev} = ${u.value(":rev", read)}`);
  if (!wallet.alerts) u.when(`attribute_not_exists(${alerts})`);
  return { TableName: db.table, Key: keys.wallet(wallet.customerId), ...u.build() };
}

/** A new alert and its lookup item; false when the wallet's alerts changed since `wallet` was read. */
export async function insertAlert(
  db: Db,
  wallet: Wallet,
  change: Extract<AlertsChange, { create: UsageAlert }>,
): Promise<boolean> {
  const lookup = { ...keys.usageAlert(change.create.id), type: ItemType.USAGE_ALERT, customerId: wallet.customerId };
  const cancelled = await transact(db, [
    { Put: { TableName: db.table, Item: lookup, ConditionExpression: "attribute_not_exists(pk)" } },
    { Update: alertsUpdate(db, wallet, change) },
  ]).finally(() => forgetWallet(db, wallet.customerId));
  return !cancelled;
}

/** An alert changed in place (archived); false when the wallet's alerts changed since `wallet` was read. */
export async function updateAlert(db: Db, wallet: Wallet, change: AlertsChange): Promise<boolean> {
  try {
    await db.doc.send(new UpdateCommand(alertsUpdate(db, wallet, change)));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  } finally {
    forgetWallet(db, wallet.customerId);
  }
}

/** The customer an alert belongs to, if the alert exists. */
export async function alertOwner(db: Db, id: string): Promise<string | undefined> {
  const item = await getItem(db, keys.usageAlert(id));
  return item?.customerId as string | undefined;
}
