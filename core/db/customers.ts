import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { Customer } from "../customers/customer";
import { DomainError } from "../errors";
import { emptyWallet } from "../wallet";
import { RETRY_AT_ONCE, withRetries } from "../retry";
import type { Db } from "./client";
import { getItem, int, type Item } from "./items";
import { ItemType, keys } from "./keys";
import { searchFields } from "./lists";
import { walletItem } from "./wallets";
import { failedWith, transact } from "./transact";

export const toCustomer = (item: Item): Customer => ({
  id: item.id as string,
  ...(item.name ? { name: item.name as string } : {}),
  ...(item.email ? { email: item.email as string } : {}),
  ...(item.metadata !== undefined ? { metadata: JSON.parse(item.metadata as string) } : {}),
  createdAt: item.createdAt as string,
  ...(item.updatedAt ? { updatedAt: item.updatedAt as string } : {}),
  ...(item.deletedAt ? { deletedAt: item.deletedAt as string } : {}),
  ...(item.revision !== undefined ? { revision: int(item.revision) } : {}),
});

/**
 * The profile and its empty wallet, together or not at all. When the id is taken, nothing is
 * written and the stored profile is returned (read from the failed condition, not a second read).
 */
export async function insertCustomer(db: Db, customer: Customer): Promise<Customer | undefined> {
  const { metadata, ...rest } = customer;
  const profile = {
    ...keys.customer(customer.id),
    ...keys.customerListing(customer.createdAt, customer.id),
    type: ItemType.CUSTOMER,
    ...searchFields(customer),
    ...rest,
    ...(metadata !== undefined ? { metadata: JSON.stringify(metadata) } : {}),
  };
  // Racing a create of the same id (a transaction conflict): again, to read what it wrote.
  const exhausted = () => new DomainError("ALREADY_EXISTS", `customer "${customer.id}" already exists`);
  return withRetries({ attempts: 3, exhausted }, async () => {
    const cancelled = await transact(db, [
      {
        Put: {
          TableName: db.table,
          Item: profile,
          ConditionExpression: "attribute_not_exists(pk)",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      },
      {
        Put: {
          TableName: db.table,
          Item: walletItem(emptyWallet(customer.id)),
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
    ]);
    if (!cancelled) return undefined;
    const old = cancelled.reasons[0]?.Item;
    if (old) return toCustomer(unmarshall(old as Record<string, AttributeValue>, { wrapNumbers: true }));
    if (failedWith("TransactionConflict", cancelled.reasons)) return RETRY_AT_ONCE;
    throw exhausted();
  });
}

export async function getCustomer(db: Db, id: string): Promise<Customer | undefined> {
  const item = await getItem(db, keys.customer(id));
  return item && toCustomer(item);
}
