/**
 * The per-customer token generation (`CUSTOMER#<id>` / `TOKENS`): absent means 0. Customer tokens
 * carry the generation they were minted under; revoking bumps it, so every older token is refused
 * on its next request. Read strongly consistent on every customer-token request, like API keys:
 * nothing is cached, so a revocation applies at once on every container.
 */
import { GetCommand, UpdateCommand } from "./commands";
import type { Db } from "./client";
import { int } from "./items";
import { ItemType, keys } from "./keys";

export async function getTokenGeneration(db: Db, customerId: string): Promise<number> {
  const { Item } = await db.doc.send(
    new GetCommand({ TableName: db.table, Key: keys.customerTokens(customerId), ConsistentRead: true }),
  );
  return Item ? int(Item.generation) : 0;
}

/** The update that bumps the generation (revoking every token minted before), alone or in a transaction. */
export const tokenRevocation = (db: Db, customerId: string, revokedAt: string) => ({
  TableName: db.table,
  Key: keys.customerTokens(customerId),
  UpdateExpression: "ADD #generation :one SET #type = :type, #revokedAt = :revokedAt",
  ExpressionAttributeNames: { "#generation": "generation", "#type": "type", "#revokedAt": "revokedAt" },
  ExpressionAttributeValues: { ":one": 1, ":type": ItemType.CUSTOMER_TOKENS, ":revokedAt": revokedAt },
});

export async function bumpTokenGeneration(db: Db, customerId: string, revokedAt: string): Promise<number> {
  const { Attributes } = await db.doc.send(
    new UpdateCommand({ ...tokenRevocation(db, customerId, revokedAt), ReturnValues: "ALL_NEW" }),
  );
  return int(Attributes?.generation);
}
