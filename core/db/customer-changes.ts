/**
 * Changing a customer's profile after creation: `updateCustomer`'s new details, and the erasure
 * of `deleteCustomer`, written with the end of its subscription (and its final invoice) in one
 * transaction. Both refuse a profile already erased, so nothing personal is ever written back.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { UpdateCommand } from "./commands";
import type { Customer } from "../customers/customer";
import type { InvoiceDraft } from "../invoices/invoice";
import type { Wallet } from "../wallet";
import type { Db } from "./client";
import { writeWithInvoices, type EventsFor, type WriteOutcome } from "./group-commit";
import { keys } from "./keys";
import { searchFields } from "./lists";
import { periodUpdate } from "./period-update";
import { tokenRevocation } from "./customer-tokens";
import { UpdateExpression } from "./update-expression";
import { forgetWallet } from "./wallet-cache";

/** The profile's personal data: what an update sets and an erasure removes. */
const PERSONAL = ["name", "email", "metadata"] as const;

/** The profile as it was read must still be there, not erased, and unchanged since (its revision, bumped). */
function whenAsRead(u: UpdateExpression, before: Customer): void {
  u.when("attribute_exists(pk)").when("attribute_not_exists(deletedAt)");
  if (before.revision) u.when(`revision = ${u.value(":wasRevision", before.revision)}`);
  else u.when("attribute_not_exists(revision)");
  u.assign("revision", (before.revision ?? 0) + 1);
}

/** Writes the new details; false when the profile changed (or was erased) since it was read. */
export async function updateProfile(db: Db, before: Customer, after: Customer): Promise<boolean> {
  const u = new UpdateExpression();
  for (const field of PERSONAL) {
    const value = field === "metadata" && after.metadata !== undefined ? JSON.stringify(after.metadata) : after[field];
    if (value === undefined)
      u.remove(u.name(`#${field}`, field)); // "name" is a reserved word
    else u.assign(field, value);
  }
  u.assign("updatedAt", after.updatedAt);
  u.assign("searchText", searchFields(after).searchText); // the customers list's search follows the new details
  whenAsRead(u, before);
  try {
    await db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.customer(before.id), ...u.build() }));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Erases the profile (personal data removed, `deletedAt` set), revokes its customer tokens and
 * writes the wallet's change (the subscription ended) with its final invoice, in one transaction. `ok: false` when the profile or
 * the wallet changed since they were read.
 */
export async function writeErasure(
  db: Db,
  customer: Customer,
  deletedAt: string,
  wallet: { before: Wallet; after: Wallet },
  drafts: InvoiceDraft[],
  eventsFor: EventsFor,
): Promise<WriteOutcome> {
  const u = new UpdateExpression();
  u.remove(...PERSONAL.map((field) => u.name(`#${field}`, field)));
  u.assign("deletedAt", deletedAt);
  u.assign("searchText", searchFields({ id: customer.id }).searchText); // found by its id only, as it has nothing else
  whenAsRead(u, customer);
  const profile = { TableName: db.table, Key: keys.customer(customer.id), ...u.build() };
  return writeWithInvoices(
    db,
    [
      { Update: profile },
      { Update: periodUpdate(db, wallet.before, wallet.after) },
      // Its customer tokens stop working with the erasure.
      { Update: tokenRevocation(db, customer.id, deletedAt) },
    ],
    drafts,
    eventsFor,
  ).finally(() => forgetWallet(db, customer.id));
}
