/**
 * The AI model catalog: one item per model in the AI_MODELS partition, listed with a Query (never a
 * Scan). Prices (ledger units per 1M tokens) and tier sizes are stored as Numbers from bigints and
 * read back exactly (wrapped NumberValues -> bigint).
 */
import { BatchWriteCommand, PutCommand, QueryCommand } from "./commands";
import { samePrice, type ModelPrice, type Tier } from "../catalog/model-price";
import type { Db } from "./client";
import { batchGet, big, getItem, optionalBig, queryAll, queryPrefix, withUnprocessed, type Item } from "./items";
import { ItemType, keys } from "./keys";

export type UpsertResult = { added: string[]; changed: string[]; unchanged: string[] };

export async function getModel(db: Db, id: string): Promise<ModelPrice | undefined> {
  const item = await getItem(db, keys.aiModel(id), false);
  return item && toModel(item);
}

/** Models of one provider (or all), optionally whose ID or name contains `search` (any case), by ID. */
export async function listModels(db: Db, filter: { provider?: string; search?: string } = {}): Promise<ModelPrice[]> {
  const models = (await queryPrefix(db, keys.aiModelPartition(), keys.aiModelPrefix(filter.provider))).map(toModel);
  const search = filter.search?.trim().toLowerCase();
  return search
    ? models.filter((m) => m.id.toLowerCase().includes(search) || m.name.toLowerCase().includes(search))
    : models;
}

/** What resolving a spelling needs: every model ID and every alias (one Query, a small projection). */
export type CatalogNames = { ids: string[]; aliases: Record<string, string> };

export async function listCatalogNames(db: Db): Promise<CatalogNames> {
  const items = await queryAll(db, {
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": keys.aiModelPartition() },
    ProjectionExpression: "sk, #id, alias, modelId",
    ExpressionAttributeNames: { "#id": "id" },
  });
  const names: CatalogNames = { ids: [], aliases: {} };
  for (const item of items) {
    const sk = item.sk as string;
    if (sk.startsWith(keys.aiModelPrefix())) names.ids.push(item.id as string);
    else if (sk.startsWith(keys.aiModelAliasPrefix())) names.aliases[item.alias as string] = item.modelId as string;
  }
  return names;
}

/** Points `alias` at `modelId` (replacing what it pointed at). */
export async function putAlias(db: Db, alias: string, modelId: string, updatedAt: string): Promise<void> {
  await db.doc.send(
    new PutCommand({
      TableName: db.table,
      Item: { ...keys.aiModelAlias(alias), type: ItemType.AI_MODEL_ALIAS, alias, modelId, updatedAt },
    }),
  );
}

export async function hasAnyModel(db: Db): Promise<boolean> {
  const page = await db.doc.send(
    new QueryCommand({
      TableName: db.table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": keys.aiModelPartition(), ":prefix": keys.aiModelPrefix() },
      Limit: 1,
    }),
  );
  return (page.Items ?? []).length > 0;
}

/** Writes these models as they are (the import decided which), 25 a request. */
export async function putModels(db: Db, models: ModelPrice[]): Promise<void> {
  for (let i = 0; i < models.length; i += 25) {
    const requests = models.slice(i, i + 25).map((m) => ({ PutRequest: { Item: toItem(m) } }));
    await withUnprocessed(
      (pending) => db.doc.send(new BatchWriteCommand({ RequestItems: { [db.table]: pending } })),
      requests,
      (out) => out.UnprocessedItems?.[db.table] as typeof requests | undefined,
    );
  }
}

/** Writes the models whose name or prices differ from what is stored; reports which were which. */
export async function upsertModels(db: Db, models: ModelPrice[]): Promise<UpsertResult> {
  const stored = await getModels(
    db,
    models.map((m) => m.id),
  );
  const result: UpsertResult = { added: [], changed: [], unchanged: [] };
  const writes: ModelPrice[] = [];
  for (const model of models) {
    const current = stored.get(model.id);
    if (current && samePrice(current, model)) result.unchanged.push(model.id);
    else {
      (current ? result.changed : result.added).push(model.id);
      writes.push(model);
    }
  }
  await putModels(db, writes);
  return result;
}

async function getModels(db: Db, ids: string[]): Promise<Map<string, ModelPrice>> {
  const items = await batchGet(
    db,
    [...new Set(ids)].map((id) => keys.aiModel(id)),
  );
  return new Map(items.map((item) => [item.id as string, toModel(item)]));
}

function toItem(model: ModelPrice): Item {
  return { ...keys.aiModel(model.id), type: ItemType.AI_MODEL, ...model };
}

function toModel(item: Item): ModelPrice {
  const tiers = ((item.tiers ?? []) as Item[]).map(
    (t): Tier => ({
      size: big(t.size),
      ...optionalPrices(t),
    }),
  );
  return {
    id: item.id as string,
    provider: item.provider as string,
    name: item.name as string,
    input: big(item.input),
    output: big(item.output),
    ...optionalPrices({ cacheRead: item.cacheRead, cacheWrite: item.cacheWrite }),
    tiers,
    updatedAt: item.updatedAt as string,
    ...(item.pinned === true ? { pinned: true } : {}),
  };
}

function optionalPrices(item: Item): Partial<Pick<ModelPrice, "input" | "output" | "cacheRead" | "cacheWrite">> {
  const out: Partial<Pick<ModelPrice, "input" | "output" | "cacheRead" | "cacheWrite">> = {};
  for (const key of ["input", "output", "cacheRead", "cacheWrite"] as const) {
    const value = optionalBig(item[key]);
    if (value !== undefined) out[key] = value;
  }
  return out;
}
