import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import type { Customer } from "../customers";
import { DomainError } from "../errors";
import { emptyWallet } from "../wallet";
import type { Db } from "./client";
import { getItem, type Item } from "./items";
import { ItemType, keys } from "./keys";
import { walletItem } from "./wallets";

const toCustomer = (item: Item): Customer => ({
  id: item.id as string,
  ...(item.name ? { name: item.name as string } : {}),
  ...(item.email ? { email: item.email as string } : {}),
  ...(item.metadata !== undefined ? { metadata: JSON.parse(item.metadata as string) } : {}),
  createdAt: item.createdAt as string,
});

/** The profile and its empty wallet, together or not at all. */
export async function insertCustomer(db: Db, customer: Customer): Promise<void> {
  const { metadata, ...rest } = customer;
  const profile = {
    ...keys.customer(customer.id),
    type: ItemType.CUSTOMER,
    ...rest,
    ...(metadata !== undefined ? { metadata: JSON.stringify(metadata) } : {}),
  };
  try {
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: db.table, Item: profile, ConditionExpression: "attribute_not_exists(pk)" } },
          {
            Put: {
              TableName: db.table,
              Item: walletItem(emptyWallet(customer.id)),
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (error instanceof TransactionCanceledException) {
      throw new DomainError("ALREADY_EXISTS", `customer "${customer.id}" already exists`);
    }
    throw error;
  }
}

export async function getCustomer(db: Db, id: string): Promise<Customer | undefined> {
  const item = await getItem(db, keys.customer(id));
  return item && toCustomer(item);
}
