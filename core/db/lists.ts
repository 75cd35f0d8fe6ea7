/**
 * The operator's lists across customers (customers, invoices), newest first, through the list
 * index (keys.customerListing, keys.invoiceListing) or a customer's invoice timeline: Query only,
 * never Scan. A filter that the key cannot express (a search, a status, a plan) is applied to what
 * the Query reads; one request reads at most `maxRead` index entries, so a rare match costs a
 * bounded amount per page: a page may then hold fewer than asked, with `hasNextPage` and a cursor
 * where the reading stopped (as DynamoDB's own filtered queries do).
 *
 * Cursors are opaque to clients: the index key of the last entry read, base64url JSON, checked to
 * belong to the list it is given to.
 */
import { QueryCommand } from "./commands";
import { DomainError } from "../errors";
import type { Db } from "./client";
import { batchGet, type Item } from "./items";
import { keys, TABLE } from "./keys";

/** The most index entries one page request reads before it answers (with a cursor to go on). */
export const MAX_READ_PER_PAGE = 2_000;

/** Each item with the cursor that resumes after it; `cursor` resumes after the page (the last item, or where reading stopped). */
export type ListPage = { items: { item: Item; cursor: string }[]; cursor?: string; hasNextPage: boolean };

export type ListQuery = {
  index: { name: string; partitionKey: string; sortKey: string };
  partition: string;
  /** The sort key's range: [from, to) on the ISO time at its start. */
  from?: string;
  to?: string;
  filter?: { expression: string; names?: Record<string, string>; values: Record<string, unknown> };
  /** A filter on what was read, e.g. against other items (a customer's wallet). */
  keep?: (items: Item[]) => Promise<Item[]>;
  first: number;
  after?: string;
};

export async function listPage(db: Db, query: ListQuery): Promise<ListPage> {
  const { index } = query;
  let startKey = query.after === undefined ? undefined : decodeCursor(query.after, index, query.partition);
  const items: ListPage["items"] = [];
  let read = 0;
  const range =
    query.from && query.to
      ? ` AND ${index.sortKey} BETWEEN :from AND :to`
      : query.from
        ? ` AND ${index.sortKey} >= :from`
        : query.to
          ? ` AND ${index.sortKey} < :to`
          : "";
  for (;;) {
    const want = Math.min(Math.max(query.first - items.length, 1) * (query.filter || query.keep ? 4 : 1), 200);
    const { Items = [], LastEvaluatedKey } = await db.doc.send(
      new QueryCommand({
        TableName: db.table,
        IndexName: index.name,
        KeyConditionExpression: `${index.partitionKey} = :pk${range}`,
        ...(query.filter ? { FilterExpression: query.filter.expression } : {}),
        ExpressionAttributeNames: query.filter?.names,
        ExpressionAttributeValues: {
          ":pk": query.partition,
          ...(query.from ? { ":from": query.from } : {}),
          ...(query.to ? { ":to": query.to } : {}),
          ...query.filter?.values,
        },
        ScanIndexForward: false,
        Limit: want,
        ExclusiveStartKey: startKey,
      }),
    );
    read += want;
    const kept = query.keep ? await query.keep(Items) : Items;
    for (const item of kept) {
      items.push({ item, cursor: encodeCursor(item, index) });
      if (items.length === query.first) {
        // Stop at this item: the next page starts right after it, whatever else this read held.
        const more = item !== Items.at(-1) || LastEvaluatedKey !== undefined;
        return { items, hasNextPage: more, ...(more ? { cursor: items.at(-1)!.cursor } : {}) };
      }
    }
    startKey = LastEvaluatedKey;
    if (!startKey) return { items, hasNextPage: false, ...(items.length ? { cursor: items.at(-1)!.cursor } : {}) };
    if (read >= MAX_READ_PER_PAGE) return { items, hasNextPage: true, cursor: encodeCursor(startKey, index) };
  }
}

/** The customers' lists partition and filters. */
export function customerListQuery(search: string | undefined): Pick<ListQuery, "index" | "partition" | "filter"> {
  return {
    index: TABLE.listIndex,
    partition: keys.customerListingPartition(),
    ...(search
      ? {
          filter: {
            expression: "contains(searchText, :search)",
            values: { ":search": ` ${search.toLowerCase()}` },
          },
        }
      : {}),
  };
}

/**
 * What a profile stores for search: its id, name (each word) and email, lower case, each after a
 * space, so `contains(searchText, " <prefix>")` is a case-insensitive prefix match on any of them.
 */
export function searchFields(customer: { id: string; name?: string; email?: string }): { searchText: string } {
  const words = [customer.id, ...(customer.name?.split(/\s+/) ?? []), customer.name, customer.email]
    .filter((w): w is string => Boolean(w))
    .map((w) => w.toLowerCase());
  return { searchText: ` ${[...new Set(words)].join(" ")}` };
}

/** Keeps the profiles whose customer is subscribed to `planCode` now (their wallets, 100 to a BatchGet). */
export function onPlan(db: Db, planCode: string) {
  return async (profiles: Item[]): Promise<Item[]> => {
    if (!profiles.length) return [];
    const wallets = await batchGet(
      db,
      profiles.map((p) => keys.wallet(p.id as string)),
    );
    const subscribed = new Set(
      wallets.filter((w) => w.status === "ACTIVE" && w.planCode === planCode).map((w) => w.customerId as string),
    );
    return profiles.filter((p) => subscribed.has(p.id as string));
  };
}

function encodeCursor(item: Item, index: ListQuery["index"]): string {
  const key = {
    pk: item.pk,
    sk: item.sk,
    [index.partitionKey]: item[index.partitionKey],
    [index.sortKey]: item[index.sortKey],
  };
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

function decodeCursor(cursor: string, index: ListQuery["index"], partition: string): Record<string, string> {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    key = undefined;
  }
  const fields = ["pk", "sk", index.partitionKey, index.sortKey];
  const valid =
    typeof key === "object" &&
    key !== null &&
    Object.keys(key).length === fields.length &&
    fields.every((f) => typeof (key as Record<string, unknown>)[f] === "string") &&
    (key as Record<string, string>)[index.partitionKey] === partition;
  if (!valid) throw new DomainError("BAD_USER_INPUT", "after is not a cursor of this list");
  return key as Record<string, string>;
}
