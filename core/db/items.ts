/**
 * Small shared helpers of the repositories: reading Numbers back exactly, creating an item only
 * if it is new, getting one item or many by key, and listing one partition (Query, never Scan).
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, type QueryCommandInput } from "./commands";
import { DomainError } from "../errors";
import type { Db } from "./client";
import type { Key } from "./keys";
import { getItemInput, getItemOutput } from "./wire/documents";

export type Item = Record<string, unknown>;

/** A stored Number as an exact bigint (items are read with `wrapNumbers`). */
export function big(value: unknown): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === "object" && typeof (value as { value?: unknown }).value === "string") {
    return BigInt((value as { value: string }).value); // a wrapped NumberValue
  }
  if (typeof value === "bigint") return value;
  if (typeof value === "string") return BigInt(value);
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  throw new Error(`not an exact integer: ${String(value)}`);
}

export function optionalBig(value: unknown): bigint | undefined {
  return value === undefined || value === null ? undefined : big(value);
}

/** A small stored integer (counters, versions, basis points). */
export function int(value: unknown): number {
  return Number(big(value));
}

/** A map of Numbers, e.g. per-feature counters. */
export function bigMap(value: unknown): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  const map = (value ?? {}) as Record<string, unknown>;
  for (const k in map) if (Object.hasOwn(map, k)) out[k] = big(map[k]);
  return out;
}

export async function putNew(db: Db, item: Item & Key, what: string): Promise<void> {
  try {
    await db.doc.send(
      new PutCommand({ TableName: db.table, Item: item, ConditionExpression: "attribute_not_exists(pk)" }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException)
      throw new DomainError("ALREADY_EXISTS", `${what} already exists`);
    throw error;
  }
}

export async function getItem(db: Db, key: Key, consistent = true): Promise<Item | undefined> {
  const input = { TableName: db.table, Key: key, ConsistentRead: consistent };
  // Through the wire transport (core/db/wire/), or the SDK when the deployment asks for it. The
  // command is named here either way: test/infra/stacks.test.ts derives IAM actions from it.
  const { Item } = db.wire.viaSdk
    ? await db.doc.send(new GetCommand(input))
    : await db.wire.call("GetItem", input, getItemInput, getItemOutput);
  return Item as Item | undefined;
}

export async function queryAll(db: Db, input: Omit<QueryCommandInput, "TableName">): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db.doc.send(new QueryCommand({ TableName: db.table, ...input, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/** All items of a partition whose sort key starts with `prefix`. */
export function queryPrefix(db: Db, pk: string, prefix: string): Promise<Item[]> {
  return queryAll(db, {
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    ExpressionAttributeValues: { ":pk": pk, ":prefix": prefix },
  });
}

/** Re-sends what DynamoDB left unprocessed (batch reads and writes), with a short backoff, a bounded number of times. */
export async function withUnprocessed<R, O>(
  send: (pending: R[]) => Promise<O>,
  requests: R[],
  leftOver: (out: O) => R[] | undefined,
) {
  let pending = requests;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt === 8) throw new Error("DynamoDB left batch requests unprocessed after 8 attempts");
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
    pending = leftOver(await send(pending)) ?? [];
  }
}

/** Items by key, strongly consistent, 100 keys a request; missing items are simply absent. */
export async function batchGet(db: Db, itemKeys: Key[]): Promise<Item[]> {
  const found: Item[] = [];
  for (let i = 0; i < itemKeys.length; i += 100) {
    await withUnprocessed(
      async (pending) => {
        const out = await db.doc.send(
          new BatchGetCommand({ RequestItems: { [db.table]: { Keys: pending, ConsistentRead: true } } }),
        );
        found.push(...(out.Responses?.[db.table] ?? []));
        return out;
      },
      itemKeys.slice(i, i + 100),
      (out) => out.UnprocessedKeys?.[db.table]?.Keys as Key[] | undefined,
    );
  }
  return found;
}
