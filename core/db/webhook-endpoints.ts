/**
 * Webhook endpoints in the table: one partition holds every endpoint (`ENDPOINT#<id>`), one item
 * per endpoint URL (`URL#<sha256>`: one endpoint per URL) and their count (a cap), written
 * together in one transaction. Endpoint changes are conditioned on the endpoint's `version`;
 * health updates after attempts (failingSince) are conditioned on what they saw and leave the
 * version alone, so they never make an operator's change fail.
 */
import { createHash } from "node:crypto";
import { UpdateCommand } from "./commands";
import { ConditionalCheckFailedException, type CancellationReason } from "@aws-sdk/client-dynamodb";
import type { BillingEvent } from "../events/billing-event";
import type { StoredEndpoint, StoredSecret } from "../webhooks/types";
import type { Db } from "./client";
import { getItem, int, queryAll, type Item } from "./items";
import { ItemType, keys } from "./keys";
import { outboxItem } from "./outbox";
import { failedWith, transact } from "./transact";

const urlKey = (url: string) => keys.webhookEndpointUrl(createHash("sha256").update(url).digest("hex"));

const toEndpoint = (item: Item): StoredEndpoint => ({
  id: item.id as string,
  url: item.url as string,
  events: item.events as string[],
  ...(item.description ? { description: item.description as string } : {}),
  enabled: item.enabled as boolean,
  ...(item.disabledReason ? { disabledReason: item.disabledReason as string } : {}),
  ...(item.failingSince ? { failingSince: item.failingSince as string } : {}),
  createdAt: item.createdAt as string,
  updatedAt: item.updatedAt as string,
  version: int(item.version),
  secrets: item.secrets as StoredSecret[],
});

function endpointItem(e: StoredEndpoint): Item {
  return { ...keys.webhookEndpoint(e.id), type: ItemType.WEBHOOK_ENDPOINT, ...e };
}

/** Canceled because another transaction was writing one of its items at the same moment: try again. */
const conflicted = (reasons: CancellationReason[]) => failedWith("TransactionConflict", reasons);

/**
 * Creates the endpoint, its URL item and counts it; refused when the URL is taken or `max` are
 * there; "conflict" when a concurrent create held the count (the caller tries again).
 */
export async function insertEndpoint(
  db: Db,
  e: StoredEndpoint,
  max: number,
): Promise<"created" | "urlTaken" | "full" | "conflict"> {
  const cancelled = await transact(db, [
    { Put: { TableName: db.table, Item: endpointItem(e), ConditionExpression: "attribute_not_exists(pk)" } },
    {
      Put: {
        TableName: db.table,
        Item: { ...urlKey(e.url), type: ItemType.WEBHOOK_ENDPOINT_URL, endpointId: e.id },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
    {
      Update: {
        TableName: db.table,
        Key: keys.webhookEndpointCount(),
        UpdateExpression: "SET #type = :type ADD endpoints :one",
        ConditionExpression: "attribute_not_exists(endpoints) OR endpoints < :max",
        ExpressionAttributeNames: { "#type": "type" },
        ExpressionAttributeValues: { ":type": ItemType.COUNTER, ":one": 1, ":max": max },
      },
    },
  ]);
  if (!cancelled) return "created";
  const { reasons, error } = cancelled;
  if (reasons[1]?.Code === "ConditionalCheckFailed") return "urlTaken";
  if (reasons[2]?.Code === "ConditionalCheckFailed") return "full";
  if (conflicted(reasons)) return "conflict";
  throw error;
}

export async function getEndpoint(db: Db, id: string): Promise<StoredEndpoint | undefined> {
  const item = await getItem(db, keys.webhookEndpoint(id));
  return item && toEndpoint(item);
}

/**
 * Every endpoint. Strongly consistent: an event published right after an endpoint was created or
 * disabled is fanned out by what the endpoint is now.
 */
export async function listEndpoints(db: Db): Promise<StoredEndpoint[]> {
  const items = await queryAll(db, {
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    ExpressionAttributeValues: { ":pk": keys.webhookEndpointPartition(), ":prefix": keys.webhookEndpointPrefix() },
    ConsistentRead: true,
  });
  return items.map(toEndpoint);
}

/**
 * Writes `next`'s settings over `previous` if nobody changed them since (its version), moving the
 * URL item when the URL changes; the failure streak (failingSince) is left to the attempts unless
 * `next` drops it (an endpoint enabled again starts afresh). "changed": re-read and decide again;
 * "urlTaken": another endpoint has the URL.
 */
export async function replaceEndpoint(
  db: Db,
  previous: StoredEndpoint,
  next: StoredEndpoint,
): Promise<"replaced" | "changed" | "urlTaken"> {
  const moved = previous.url !== next.url;
  const set = ["#url = :url", "events = :events", "enabled = :enabled", "secrets = :secrets", "updatedAt = :at"];
  const remove: string[] = [];
  const optional = { description: next.description, disabledReason: next.disabledReason };
  for (const [name, value] of Object.entries(optional))
    if (value === undefined) remove.push(name);
    else set.push(`${name} = :${name}`);
  if (previous.failingSince && !next.failingSince) remove.push("failingSince");
  const cancelled = await transact(db, [
    {
      Update: {
        TableName: db.table,
        Key: keys.webhookEndpoint(next.id),
        UpdateExpression: `SET ${set.join(", ")}, #version = :next${remove.length ? ` REMOVE ${remove.join(", ")}` : ""}`,
        ConditionExpression: "#version = :seen",
        ExpressionAttributeNames: { "#url": "url", "#version": "version" },
        ExpressionAttributeValues: {
          ":url": next.url,
          ":events": next.events,
          ":enabled": next.enabled,
          ":secrets": next.secrets,
          ":at": next.updatedAt,
          ":seen": previous.version,
          ":next": previous.version + 1,
          ...Object.fromEntries(
            Object.entries(optional).flatMap(([name, value]) => (value === undefined ? [] : [[`:${name}`, value]])),
          ),
        },
      },
    },
    ...(moved
      ? [
          {
            Put: {
              TableName: db.table,
              Item: { ...urlKey(next.url), type: ItemType.WEBHOOK_ENDPOINT_URL, endpointId: next.id },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          { Delete: { TableName: db.table, Key: urlKey(previous.url) } },
        ]
      : []),
  ]);
  if (!cancelled) return "replaced";
  const { reasons, error } = cancelled;
  if (reasons[0]?.Code === "ConditionalCheckFailed" || conflicted(reasons)) return "changed";
  if (reasons[1]?.Code === "ConditionalCheckFailed") return "urlTaken";
  throw error;
}

/** Deletes the endpoint and its URL item and uncounts it, if nobody changed it since; false otherwise (read again). */
export async function deleteEndpoint(db: Db, e: StoredEndpoint): Promise<boolean> {
  const cancelled = await transact(db, [
    {
      Delete: {
        TableName: db.table,
        Key: keys.webhookEndpoint(e.id),
        ConditionExpression: "version = :seen",
        ExpressionAttributeValues: { ":seen": e.version },
      },
    },
    { Delete: { TableName: db.table, Key: urlKey(e.url) } },
    {
      Update: {
        TableName: db.table,
        Key: keys.webhookEndpointCount(),
        UpdateExpression: "ADD endpoints :minus",
        ExpressionAttributeValues: { ":minus": -1 },
      },
    },
  ]);
  if (!cancelled) return true;
  const { reasons, error } = cancelled;
  if (reasons[0]?.Code === "ConditionalCheckFailed" || conflicted(reasons)) return false;
  throw error;
}

/** Notes the first failure after a success; a no-op when another attempt noted one already. */
export async function markFailing(db: Db, id: string, since: string): Promise<void> {
  await conditionally(
    db,
    id,
    "SET failingSince = :since",
    "attribute_exists(pk) AND attribute_not_exists(failingSince)",
    {
      ":since": since,
    },
  );
}

/** A success clears the failure streak. */
export async function markRecovered(db: Db, id: string): Promise<void> {
  await conditionally(db, id, "REMOVE failingSince", "attribute_exists(failingSince)", {});
}

/**
 * Disables the endpoint with its `webhook_endpoint.disabled` event in the outbox, in one
 * transaction, if it is still enabled and (when `failingSince` is given) still failing since
 * then: a success or an operator's change in between keeps it enabled. False when not written.
 */
export async function disableEndpoint(
  db: Db,
  id: string,
  change: { failingSince?: string; reason: string },
  event: BillingEvent,
): Promise<boolean> {
  // Cancelled: no longer enabled or failing since then, or a concurrent change: not written.
  const cancelled = await transact(db, [
    {
      Update: {
        TableName: db.table,
        Key: keys.webhookEndpoint(id),
        UpdateExpression: "SET enabled = :false, disabledReason = :reason, #version = #version + :one",
        ConditionExpression: `enabled = :true${change.failingSince ? " AND failingSince = :since" : ""}`,
        ExpressionAttributeNames: { "#version": "version" },
        ExpressionAttributeValues: {
          ":false": false,
          ":true": true,
          ":reason": change.reason,
          ":one": 1,
          ...(change.failingSince ? { ":since": change.failingSince } : {}),
        },
      },
    },
    { Put: { TableName: db.table, Item: outboxItem([event]), ConditionExpression: "attribute_not_exists(pk)" } },
  ]);
  return !cancelled;
}

async function conditionally(
  db: Db,
  id: string,
  update: string,
  condition: string,
  values: Record<string, unknown>,
): Promise<void> {
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: keys.webhookEndpoint(id),
        UpdateExpression: update,
        ConditionExpression: condition,
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
