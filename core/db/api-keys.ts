/**
 * API keys in the table: a listing item per key (`API_KEYS` / `KEY#<id>`) and a lookup item under
 * the secret's SHA-256 (`APIKEY#<hash>`), written and revoked together in one transaction. The
 * secret itself is never stored. Authentication is one strongly consistent GetItem on the hash.
 */
import type { ApiKey, ApiKeyScope } from "../auth/api-key";
import { DomainError } from "../errors";
import type { Db } from "./client";
import { getItem, queryPrefix, type Item } from "./items";
import { ItemType, keys } from "./keys";
import { transact } from "./transact";

export type StoredApiKey = ApiKey & { hash: string };

const toApiKey = (item: Item): StoredApiKey => ({
  id: item.id as string,
  name: item.name as string,
  scope: item.scope as ApiKeyScope,
  prefix: item.prefix as string,
  createdAt: item.createdAt as string,
  ...(item.revokedAt ? { revokedAt: item.revokedAt as string } : {}),
  hash: item.hash as string,
});

export async function insertApiKey(db: Db, key: StoredApiKey): Promise<void> {
  const { revokedAt: _, ...fields } = key;
  const put = (item: Item) => ({
    Put: { TableName: db.table, Item: item, ConditionExpression: "attribute_not_exists(pk)" },
  });
  const cancelled = await transact(db, [
    put({ ...keys.apiKey(key.id), type: ItemType.API_KEY, ...fields }),
    put({ ...keys.apiKeyHash(key.hash), type: ItemType.API_KEY_HASH, ...fields }),
  ]);
  if (cancelled) throw new DomainError("ALREADY_EXISTS", "API key already exists");
}

export async function getApiKey(db: Db, id: string): Promise<StoredApiKey | undefined> {
  const item = await getItem(db, keys.apiKey(id));
  return item && toApiKey(item);
}

export async function getApiKeyByHash(db: Db, hash: string): Promise<StoredApiKey | undefined> {
  const item = await getItem(db, keys.apiKeyHash(hash));
  return item && toApiKey(item);
}

export async function listApiKeys(db: Db): Promise<StoredApiKey[]> {
  return (await queryPrefix(db, keys.apiKeyPartition(), keys.apiKeyPrefix())).map(toApiKey);
}

/** Sets `revokedAt` on both items unless already set; false when it was already revoked. */
export async function markRevoked(db: Db, key: StoredApiKey, revokedAt: string): Promise<boolean> {
  const update = (key: { pk: string; sk: string }) => ({
    Update: {
      TableName: db.table,
      Key: key,
      UpdateExpression: "SET revokedAt = :at",
      ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(revokedAt)",
      ExpressionAttributeValues: { ":at": revokedAt },
    },
  });
  return !(await transact(db, [update(keys.apiKey(key.id)), update(keys.apiKeyHash(key.hash))]));
}
